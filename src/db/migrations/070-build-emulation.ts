import type { Migration } from '../migrations.js';

/** Builds of a foreign architecture may run under emulation (qemu-user): which did. */
export const buildEmulation: Migration = {
  version: 70,
  name: 'whether a build ran under emulation',
  up(db) {
    db.exec(`ALTER TABLE builds ADD COLUMN emulated INTEGER NOT NULL DEFAULT 0`);
  },
};
