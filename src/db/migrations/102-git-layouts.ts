import type { Migration } from '../migrations.js';

/**
 * DEP-14 layouts and signing keys of git sources. `layout` (100) keeps its CHECK of
 * 'native' (SQLite cannot widen it in place, and the table has children whose ON DELETE
 * a rebuild would fire): `upstream_from` says where a packaging branch's upstream
 * tarball comes from, and NULL is the native layout.
 */
export const gitLayouts: Migration = {
  version: 102,
  name: 'DEP-14 layouts and signing keys of git sources',
  up(db) {
    db.exec(`
      -- NULL: native (debian/ in the upstream tree); else a packaging branch whose
      -- upstream comes from an upstream tag or the pristine-tar branch
      ALTER TABLE git_sources ADD COLUMN upstream_from TEXT
        CHECK (upstream_from IN ('upstream-tag', 'pristine-tar'));
      -- the upstream tags, %(version)s the upstream version (gbp's default)
      ALTER TABLE git_sources ADD COLUMN upstream_tag TEXT NOT NULL
        DEFAULT 'upstream/%(version)s';
      -- the fingerprint of the key signing its uploads (NULL: the instance key)
      ALTER TABLE git_sources ADD COLUMN signing_key TEXT;
    `);
  },
};
