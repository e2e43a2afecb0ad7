import type { Migration } from '../migrations.js';

/** A distribution's own resource limits for its builds, over the builder's settings. */
export const distributionLimits: Migration = {
  version: 13,
  name: 'resource limits per distribution',
  up(db) {
    db.exec(`
      -- JSON object: pids, memoryBytes, cpus, diskBytes (each optional); {} for none.
      ALTER TABLE distributions ADD COLUMN build_limits TEXT NOT NULL DEFAULT '{}';
    `);
  },
};
