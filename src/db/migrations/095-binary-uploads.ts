import type { Migration } from '../migrations.js';

/**
 * Binary uploads: a key may be allowed to upload binary packages (.deb files it built
 * elsewhere, not built here) to a repository it may upload to. Off by default.
 */
export const binaryUploads: Migration = {
  version: 95,
  name: 'uploader_key_repositories.binary',
  up(db) {
    db.exec(`
      ALTER TABLE uploader_key_repositories ADD COLUMN binary INTEGER NOT NULL DEFAULT 0;
    `);
  },
};
