import type { Migration } from '../migrations.js';

export const remotes: Migration = {
  version: 45,
  name: 'remote peers',
  up(db) {
    db.exec(`
      CREATE TABLE remotes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        -- SSH: where and as whom; the private key file (uploaded keys live under the
        -- home's keys/remotes/, key_uploaded = 1, and go with the remote).
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        user TEXT NOT NULL,
        key_file TEXT NOT NULL,
        key_uploaded INTEGER NOT NULL CHECK (key_uploaded IN (0, 1)),
        -- The host key pinned on first contact.
        host_key_algorithm TEXT NOT NULL,
        host_key_fingerprint TEXT NOT NULL,
        host_key TEXT NOT NULL,
        -- The peer's HTTP API as the peer sees it (its loopback), and its API token.
        api_host TEXT NOT NULL,
        api_port INTEGER NOT NULL,
        token TEXT NOT NULL,
        -- Parallel builds to give it; NULL: the capacity it reports.
        capacity INTEGER,
        state TEXT NOT NULL CHECK (state IN ('up', 'down')),
        -- The last status it reported (JSON of PeerStatus), and the checks.
        status TEXT,
        last_check_at TEXT,
        last_up_at TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
