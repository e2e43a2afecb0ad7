import type { Migration } from '../migrations.js';

/** Build logs are capped (build.max_log_size): how many bytes of a build's log were dropped. */
export const buildLogCap: Migration = {
  version: 42,
  name: 'bytes dropped from capped build logs',
  up(db) {
    db.exec(`ALTER TABLE builds ADD COLUMN log_dropped_bytes INTEGER NOT NULL DEFAULT 0`);
  },
};
