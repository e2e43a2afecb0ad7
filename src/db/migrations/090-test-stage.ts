import type { Migration } from '../migrations.js';

/**
 * The test stage (autopkgtest, install test, installability): the modes each build ran
 * its checks in, their results, and each distribution's modes per suite.
 */
export const testStage: Migration = {
  version: 90,
  name: 'test stage modes and results',
  up(db) {
    db.exec(`
      -- JSON object check → mode (disabled, ignore, errfail); {} for none run.
      ALTER TABLE builds ADD COLUMN test_modes TEXT NOT NULL DEFAULT '{}';
      -- JSON array of {check, mode, result, reason, log}.
      ALTER TABLE builds ADD COLUMN tests TEXT NOT NULL DEFAULT '[]';
      -- JSON object check → {suite or "*" → mode}; {} for all disabled.
      ALTER TABLE distributions ADD COLUMN test_modes TEXT NOT NULL DEFAULT '{}';
    `);
  },
};
