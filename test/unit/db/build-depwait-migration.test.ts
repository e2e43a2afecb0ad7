import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { MIGRATIONS } from '../../../src/db/migrations/index.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

const open = (file: string, upTo: number) =>
  openDatabase(file, {
    logger: silentLogger,
    migrations: MIGRATIONS.filter((m) => m.version <= upTo),
  });

describe('migration 081: builds may be DEPWAIT', () => {
  it('keeps the rows, columns and indices of builds and lets them wait', () => {
    const file = path.join(tempDir(), 'd.db');
    let db = open(file, 80);
    db.exec(`INSERT INTO uploads (id, state, changes_file, spool_path, received_at, processed_at, updated_at)
      VALUES (1, 'BUILDING', 'a.changes', 'spool/1', 't', 't', 't')`);
    db.exec(`INSERT INTO builds (upload_id, round, architecture, arch_all, mandatory, lintian_mode,
      state, queued_at, log_dropped_bytes) VALUES (1, 1, 'amd64', 1, 1, 'disabled', 'FAILED', 't', 42)`);
    expect(() => db.exec("UPDATE builds SET state = 'DEPWAIT'")).toThrow(/CHECK constraint/);
    db.close();

    db = open(file, 81);
    expect(db.prepare('SELECT state, log_dropped_bytes FROM builds').get()).toEqual({
      state: 'FAILED',
      log_dropped_bytes: 42,
    });
    db.exec("UPDATE builds SET state = 'DEPWAIT'");
    expect(() => db.exec("UPDATE builds SET state = 'WAITING'")).toThrow(/CHECK constraint/);
    const indices = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'builds'")
      .pluck()
      .all();
    expect(indices).toContain('builds_queue');
    // Deleting the upload still takes its builds (the foreign key survived).
    db.exec('DELETE FROM uploads WHERE id = 1');
    expect(db.prepare('SELECT COUNT(*) FROM builds').pluck().get()).toBe(0);
    db.close();
  });
});
