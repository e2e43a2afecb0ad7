import type { Migration } from '../migrations.js';

/**
 * The sources whose entries a change touched, per distribution and revision (like
 * archive_dirty_indices, and dropped with them once published): a daemon's publisher keeps
 * the listings of the indices it published and re-reads only these sources' entries.
 * `source_name` '' stands for a change that did not name its sources (everything).
 */
export const archiveDirtySources: Migration = {
  version: 151,
  name: 'archive dirty sources',
  up(db) {
    db.exec(`
      CREATE TABLE archive_dirty_sources (
        distribution TEXT NOT NULL REFERENCES archive_dists (name) ON DELETE CASCADE,
        source_name TEXT NOT NULL,
        revision INTEGER NOT NULL,
        PRIMARY KEY (distribution, source_name)
      ) STRICT;
    `);
  },
};
