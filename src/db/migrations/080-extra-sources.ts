import type { Migration } from '../migrations.js';

export const extraSources: Migration = {
  version: 80,
  name: 'extra_sources (apt repositories builds take build dependencies from)',
  up(db) {
    db.exec(`
      -- An apt repository outside the daemon that builds of chosen distributions use for
      -- their build dependencies, trusted with exactly its own key.
      CREATE TABLE extra_sources (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        -- JSON arrays of names.
        suites TEXT NOT NULL,
        components TEXT NOT NULL,
        -- The distributions (<codename>-<repo>-<suite>) whose builds get it.
        distributions TEXT NOT NULL,
        -- The armored OpenPGP public key its Release files are signed with; NULL only
        -- for a source explicitly marked unsigned.
        armored_key TEXT,
        key_fingerprints TEXT NOT NULL DEFAULT '[]',
        unsigned INTEGER NOT NULL DEFAULT 0,
        -- apt_preferences(5) priority of its packages in builds.
        priority INTEGER NOT NULL,
        -- The Origin and Label of its Release file, to pin it by (NULL: by host).
        origin TEXT,
        auth_login TEXT,
        auth_password TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
