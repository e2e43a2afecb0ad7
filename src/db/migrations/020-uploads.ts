import type { Migration } from '../migrations.js';

export const uploads: Migration = {
  version: 20,
  name: 'uploads (the incoming queue) and uploader keys',
  up(db) {
    db.exec(`
      -- One row per processed .changes. The incoming writes ACCEPTED or REJECTED; the
      -- scheduler moves accepted uploads on through its own states.
      CREATE TABLE uploads (
        id INTEGER PRIMARY KEY,
        state TEXT NOT NULL,
        changes_file TEXT NOT NULL,
        source TEXT,
        version TEXT,
        distribution TEXT,
        repository TEXT,
        codename TEXT,
        suite TEXT,
        dsc_file TEXT,
        architectures TEXT NOT NULL DEFAULT '[]',
        arch_all INTEGER NOT NULL DEFAULT 0,
        options TEXT NOT NULL DEFAULT '{}',
        signer TEXT,
        changed_by TEXT,
        files TEXT NOT NULL DEFAULT '[]',
        spool_path TEXT NOT NULL UNIQUE,
        reasons TEXT NOT NULL DEFAULT '[]',
        received_at TEXT NOT NULL,
        processed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX uploads_state ON uploads (state, id);
      CREATE INDEX uploads_source ON uploads (source, version);

      CREATE TABLE uploader_keys (
        fingerprint TEXT PRIMARY KEY,
        armored TEXT NOT NULL,
        user_ids TEXT NOT NULL DEFAULT '[]',
        owner_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
        comment TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE uploader_key_repositories (
        fingerprint TEXT NOT NULL REFERENCES uploader_keys (fingerprint) ON DELETE CASCADE,
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        PRIMARY KEY (fingerprint, repository)
      ) STRICT;
      CREATE INDEX uploader_key_repositories_repository ON uploader_key_repositories (repository);
    `);
  },
};
