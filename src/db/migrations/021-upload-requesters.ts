import type { Migration } from '../migrations.js';

/**
 * On whose behalf the daemon made an upload (ports, keyring and test packages are
 * signed with the instance key): `anonymous`, `key <fingerprint>` or
 * `user <name> (<role>)`; null for uploads from outside (their signer is who asked).
 */
export const uploadRequesters: Migration = {
  version: 21,
  name: 'uploads: requested_by (whom a daemon-made upload is for)',
  up(db) {
    db.exec(`ALTER TABLE uploads ADD COLUMN requested_by TEXT;`);
  },
};
