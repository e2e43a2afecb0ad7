import type { Migration } from '../migrations.js';

/**
 * Named, immutable snapshots of a distribution, and the pool files each one pins: the
 * pool garbage collector never removes a file a snapshot names.
 */
export const snapshots: Migration = {
  version: 60,
  name: 'archive snapshots and their pinned pool files',
  up(db) {
    db.exec(`
      CREATE TABLE archive_snapshots (
        id INTEGER PRIMARY KEY,
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        distribution TEXT NOT NULL,
        -- the published generation and revision of the distribution it shows
        generation INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        sources INTEGER NOT NULL,
        binaries INTEGER NOT NULL,
        -- made by the schedule (and pruned by it), not by hand
        automatic INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE (repository, name)
      ) STRICT;
      CREATE INDEX archive_snapshots_distribution ON archive_snapshots (distribution, id);

      CREATE TABLE archive_snapshot_files (
        snapshot_id INTEGER NOT NULL REFERENCES archive_snapshots (id) ON DELETE CASCADE,
        file_id INTEGER NOT NULL REFERENCES archive_pool_files (id),
        PRIMARY KEY (snapshot_id, file_id)
      ) STRICT;
      CREATE INDEX archive_snapshot_files_file ON archive_snapshot_files (file_id);
    `);
  },
};
