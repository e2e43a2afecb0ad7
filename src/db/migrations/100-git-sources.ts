import type { Migration } from '../migrations.js';

/**
 * Git sources (repositories the daemon builds source uploads from), the refs it saw on
 * each, the webhook deliveries it took (replays are refused) and its git builds.
 */
export const gitSources: Migration = {
  version: 100,
  name: 'git sources, refs, webhook deliveries and git builds',
  up(db) {
    db.exec(`
      CREATE TABLE git_sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        -- https://, http://, ssh:// or user@host:path, or an absolute local path
        url TEXT NOT NULL,
        -- the tag pattern that builds (NULL: none) and the branch patterns (JSON list)
        tags TEXT,
        branches TEXT NOT NULL DEFAULT '[]',
        -- NULL: the distribution the top entry of debian/changelog names
        distribution TEXT,
        layout TEXT NOT NULL CHECK (layout IN ('native')),
        -- the webhook secret (HMAC key, GitLab token)
        secret TEXT NOT NULL,
        -- the public half of the deploy key made for ssh URLs (private: keys/git/<name>)
        deploy_key TEXT,
        poll_minutes INTEGER NOT NULL DEFAULT 0,
        polled_at TEXT,
        poll_error TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT
      ) STRICT;

      CREATE TABLE git_refs (
        source_id INTEGER NOT NULL REFERENCES git_sources (id) ON DELETE CASCADE,
        ref TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        PRIMARY KEY (source_id, ref)
      ) STRICT;

      CREATE TABLE git_deliveries (
        source_id INTEGER NOT NULL REFERENCES git_sources (id) ON DELETE CASCADE,
        delivery TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (source_id, delivery)
      ) STRICT;

      CREATE TABLE git_builds (
        id INTEGER PRIMARY KEY,
        source_id INTEGER REFERENCES git_sources (id) ON DELETE SET NULL,
        source_name TEXT NOT NULL,
        url TEXT NOT NULL,
        ref TEXT NOT NULL,
        commit_id TEXT,
        trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'webhook', 'poll')),
        state TEXT NOT NULL CHECK (state IN ('running', 'uploaded', 'rejected', 'failed', 'skipped')),
        package TEXT,
        version TEXT,
        upload_id INTEGER,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX git_builds_commit ON git_builds (source_id, ref, commit_id);
    `);
  },
};
