import type { Migration } from '../migrations.js';

/**
 * The debian/watch layout of git sources. Like 102, it cannot widen the CHECK of
 * `layout` or `upstream_from` in place: a source whose `orig_url_prefixes` is set has
 * the watch layout, and the list (JSON, at least one http(s) URL prefix an admin gave)
 * is all its upstream tarball may be downloaded from.
 */
export const gitWatch: Migration = {
  version: 150,
  name: 'debian/watch layout of git sources',
  up(db) {
    db.exec(`
      -- NULL: not the watch layout; else a JSON list of URL prefixes uscan may reach
      ALTER TABLE git_sources ADD COLUMN orig_url_prefixes TEXT;
    `);
  },
};
