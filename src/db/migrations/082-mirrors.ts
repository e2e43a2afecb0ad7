import type { Migration } from '../migrations.js';

export const mirrors: Migration = {
  version: 82,
  name: 'mirrors, mirror_packages (local copies of apt repositories outside)',
  up(db) {
    db.exec(`
      -- A local, signature-checked copy of (part of) an apt repository outside, published
      -- as the daemon's own repository of the same name.
      CREATE TABLE mirrors (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        -- JSON arrays of names.
        suites TEXT NOT NULL,
        components TEXT NOT NULL,
        architectures TEXT NOT NULL,
        -- aptly's package query (NULL: every package).
        filter TEXT,
        with_deps INTEGER NOT NULL DEFAULT 0,
        recommends INTEGER NOT NULL DEFAULT 0,
        -- The armored key its Release files are signed with; NULL only when unsigned.
        armored_key TEXT,
        key_fingerprints TEXT NOT NULL DEFAULT '[]',
        unsigned INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        -- The last update: when it ended, how, why not, and its counts (JSON).
        updated_at TEXT,
        state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'ok', 'failed')),
        last_error TEXT,
        counts TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      -- What the last good update installed, per distribution of the mirror's repository:
      -- the next update installs only what differs and removes what went.
      CREATE TABLE mirror_packages (
        mirror TEXT NOT NULL REFERENCES mirrors(name) ON DELETE CASCADE,
        distribution TEXT NOT NULL,
        source TEXT NOT NULL,
        version TEXT NOT NULL,
        -- JSON array of the pool paths of its files.
        files TEXT NOT NULL,
        PRIMARY KEY (mirror, distribution, source)
      ) STRICT;
    `);
  },
};
