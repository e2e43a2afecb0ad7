import type { Migration } from '../migrations.js';

/**
 * Publishing state: per distribution a revision (bumped by every committed change) and the
 * revision its current published generation shows; the indices a change touched; the
 * generations whose by-hash files are still served; and the compressed index segments
 * shared between generations (content-addressed).
 */
export const archivePublishing: Migration = {
  version: 12,
  name: 'archive publishing state, dirty indices, generations and index segments',
  up(db) {
    db.exec(`
      CREATE TABLE archive_dists (
        name TEXT PRIMARY KEY,
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        revision INTEGER NOT NULL DEFAULT 0,
        published_revision INTEGER NOT NULL DEFAULT -1,
        generation INTEGER NOT NULL DEFAULT 0,
        -- RFC 2822 Date of the current Release (strictly increasing), and when it was written
        release_date TEXT,
        valid_until TEXT,
        published_at TEXT
      ) STRICT;

      CREATE TABLE archive_dirty_indices (
        distribution TEXT NOT NULL REFERENCES archive_dists (name) ON DELETE CASCADE,
        path TEXT NOT NULL,
        revision INTEGER NOT NULL,
        PRIMARY KEY (distribution, path)
      ) STRICT;

      CREATE TABLE archive_generations (
        distribution TEXT NOT NULL REFERENCES archive_dists (name) ON DELETE CASCADE,
        generation INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        -- every published file of the generation: path, size, sha256, sha512 (JSON)
        files TEXT NOT NULL,
        -- set once a later generation no longer serves this one's by-hash files
        retired_at TEXT,
        PRIMARY KEY (distribution, generation)
      ) STRICT;

      CREATE TABLE archive_segments (
        key TEXT PRIMARY KEY,
        raw BLOB NOT NULL,
        deflate BLOB NOT NULL,
        xz BLOB,
        crc32 INTEGER NOT NULL,
        used_at TEXT NOT NULL
      ) STRICT;

      -- A pool file some distribution stopped holding at a revision: its published
      -- generations up to then may still name it.
      CREATE TABLE archive_pool_releases (
        file_id INTEGER NOT NULL REFERENCES archive_pool_files (id) ON DELETE CASCADE,
        distribution TEXT NOT NULL,
        revision INTEGER NOT NULL,
        PRIMARY KEY (file_id, distribution)
      ) STRICT;
    `);
  },
};
