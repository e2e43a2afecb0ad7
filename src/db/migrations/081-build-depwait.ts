import type { Migration } from '../migrations.js';

/**
 * Builds get the state DEPWAIT (their build dependencies cannot be satisfied yet). SQLite
 * cannot change a CHECK constraint in place: the table is made again from its own current
 * definition (with whatever columns other migrations added), the rows and indices kept.
 */
export const buildDepwait: Migration = {
  version: 81,
  name: 'builds.state DEPWAIT (waiting for build dependencies)',
  up(db) {
    const table = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'builds'")
      .pluck()
      .get() as string;
    const indices = db
      .prepare(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'builds' AND sql IS NOT NULL",
      )
      .pluck()
      .all() as string[];
    const widened = table.replace(/'CANCELLED'\)/, "'CANCELLED', 'DEPWAIT')");
    if (widened === table) throw new Error('the builds table has no state CHECK to widen');
    db.exec(widened.replace(/^CREATE TABLE\s+"?builds"?/, 'CREATE TABLE builds_depwait'));
    db.exec('INSERT INTO builds_depwait SELECT * FROM builds');
    db.exec('DROP TABLE builds');
    db.exec('ALTER TABLE builds_depwait RENAME TO builds');
    for (const sql of indices) db.exec(sql);
  },
};
