import type { Migration } from '../migrations.js';

/**
 * Private repositories and their read tokens: `/repos/<id>/` of a private repository
 * answers only to HTTP basic auth with a read token of it (login `read-<id>`, the secret
 * as password). Only the SHA-256 digest of a secret is stored.
 */
export const privateRepositories: Migration = {
  version: 111,
  name: 'repositories.private, read_tokens',
  up(db) {
    db.exec(`
      ALTER TABLE repositories ADD COLUMN private INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE read_tokens (
        id INTEGER PRIMARY KEY,
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT,
        expires_at TEXT,
        revoked_at TEXT,
        last_used_at TEXT
      ) STRICT;
      CREATE INDEX read_tokens_repository ON read_tokens (repository, id);
    `);
  },
};
