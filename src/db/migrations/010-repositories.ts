import type { Migration } from '../migrations.js';

export const repositories: Migration = {
  version: 10,
  name: 'layouts, repositories and their distributions',
  up(db) {
    db.exec(`
      CREATE TABLE layouts (
        name TEXT PRIMARY KEY,
        suites TEXT NOT NULL,
        builtin INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE repositories (
        id TEXT PRIMARY KEY,
        description TEXT NOT NULL DEFAULT '',
        layout TEXT NOT NULL REFERENCES layouts (name),
        allow_unsigned INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE distributions (
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        codename TEXT NOT NULL,
        codeversion TEXT NOT NULL,
        architectures TEXT NOT NULL,
        arch_all_architecture TEXT NOT NULL,
        mandatory_architectures TEXT NOT NULL,
        components TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (repository, codename)
      ) STRICT;
    `);
  },
};
