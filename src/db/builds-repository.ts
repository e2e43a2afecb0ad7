import { NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';
import { statementCache } from './statement-cache.js';
import {
  BUILD_STATES,
  type BuildState,
  type BuildTimes,
  type BuildRecord,
  type BuildView,
  type NewBuild,
  type BuildEnd,
  type BuildFilter,
  type StoredTestResult,
} from '../scheduler/build-records.js';

interface BuildRow {
  id: number;
  upload_id: number;
  round: number;
  architecture: string;
  arch_all: number;
  mandatory: number;
  lintian_mode: string;
  test_modes: string;
  priority: number;
  state: BuildState;
  builder: string | null;
  emulated: number;
  attempts: number;
  status: string | null;
  fail_stage: string | null;
  reason: string | null;
  lintian: string | null;
  tests: string;
  log_file: string | null;
  result_dir: string | null;
  files: string;
  times: string;
  log_dropped_bytes: number;
  queued_at: string;
  started_at: string | null;
  ended_at: string | null;
}

type ViewRow = BuildRow & {
  source: string;
  version: string;
  distribution: string;
  codename: string;
  repository: string;
};

const toRecord = (row: BuildRow): BuildRecord => ({
  id: row.id,
  uploadId: row.upload_id,
  round: row.round,
  architecture: row.architecture,
  archAll: row.arch_all !== 0,
  mandatory: row.mandatory !== 0,
  lintianMode: row.lintian_mode,
  testModes: JSON.parse(row.test_modes) as Record<string, string>,
  priority: row.priority,
  state: row.state,
  builder: row.builder,
  emulated: row.emulated !== 0,
  attempts: row.attempts,
  status: row.status,
  failStage: row.fail_stage,
  reason: row.reason,
  lintian: row.lintian,
  tests: JSON.parse(row.tests) as StoredTestResult[],
  logFile: row.log_file,
  resultDir: row.result_dir,
  files: JSON.parse(row.files) as string[],
  times: JSON.parse(row.times) as BuildTimes,
  logDroppedBytes: row.log_dropped_bytes,
  queuedAt: row.queued_at,
  startedAt: row.started_at,
  endedAt: row.ended_at,
});

const toView = (row: ViewRow): BuildView => ({
  ...toRecord(row),
  source: row.source,
  version: row.version,
  distribution: row.distribution,
  codename: row.codename,
  repository: row.repository,
});

const VIEW = `SELECT b.*, u.source AS source, u.version AS version,
    u.distribution AS distribution, u.codename AS codename, u.repository AS repository
  FROM builds b JOIN uploads u ON u.id = b.upload_id`;

/** The builds table: the scheduler's durable queue. */
export class BuildsRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  insert(build: NewBuild): BuildRecord {
    const row = this.sql(
      `INSERT INTO builds (upload_id, round, architecture, arch_all, mandatory, lintian_mode,
         test_modes, priority, state, queued_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'QUEUED', ?) RETURNING *`,
    ).get(
      build.uploadId,
      build.round,
      build.architecture,
      build.archAll ? 1 : 0,
      build.mandatory ? 1 : 0,
      build.lintianMode,
      JSON.stringify(build.testModes ?? {}),
      build.priority,
      build.queuedAt.toISOString(),
    ) as BuildRow;
    return toRecord(row);
  }

  find(id: number): BuildView | undefined {
    const row = this.sql(`${VIEW} WHERE b.id = ?`).get(id) as ViewRow | undefined;
    return row && toView(row);
  }

  get(id: number): BuildView {
    const build = this.find(id);
    if (!build) throw new NotFoundError(`there is no build ${id}`);
    return build;
  }

  /** Queued builds in the order they are to start: priority, then first come. */
  queued(): BuildView[] {
    const rows = this.sql(`${VIEW} WHERE b.state = 'QUEUED' ORDER BY b.priority DESC, b.id`).all();
    return (rows as ViewRow[]).map(toView);
  }

  inState(state: BuildState): BuildView[] {
    return (this.sql(`${VIEW} WHERE b.state = ? ORDER BY b.id`).all(state) as ViewRow[]).map(
      toView,
    );
  }

  list(filter: BuildFilter = {}): BuildView[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.states?.length) {
      where.push(`b.state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    const equal = (column: string, value: unknown) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      params.push(value);
    };
    equal('b.upload_id', filter.uploadId);
    equal('u.source', filter.source);
    equal('b.architecture', filter.architecture);
    equal('b.builder', filter.builder);
    if (filter.excludeRepositories?.length) {
      // In the query, not after it: a page holds `limit` rows whatever is left out.
      where.push('u.repository NOT IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.excludeRepositories));
    }
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 10_000);
    const sql = `${VIEW} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY b.id DESC LIMIT ${limit}`;
    return (this.sql(sql).all(...params) as ViewRow[]).map(toView);
  }

  /** The builds of one round of an upload, by architecture order of planning. */
  ofRound(uploadId: number, round: number): BuildRecord[] {
    const rows = this.sql('SELECT * FROM builds WHERE upload_id = ? AND round = ? ORDER BY id').all(
      uploadId,
      round,
    ) as BuildRow[];
    return rows.map(toRecord);
  }

  /** The latest round of an upload's builds; 0 when it has none. */
  currentRound(uploadId: number): number {
    const value = this.sql('SELECT MAX(round) FROM builds WHERE upload_id = ?')
      .pluck()
      .get(uploadId) as number | null;
    return value ?? 0;
  }

  /** QUEUED → BUILDING; false if the build was not queued (any more). */
  markStarted(
    id: number,
    start: {
      builder: string;
      /** Run under emulation (default: natively). */
      emulated?: boolean;
      startedAt: Date;
      logFile: string;
      resultDir: string;
    },
  ): boolean {
    const info = this.sql(
      `UPDATE builds SET state = 'BUILDING', builder = ?, emulated = ?, attempts = attempts + 1,
         started_at = ?, ended_at = NULL, log_file = ?, result_dir = ?, status = NULL,
         fail_stage = NULL, reason = NULL, lintian = NULL, tests = '[]', files = '[]', times = '{}',
         log_dropped_bytes = 0
       WHERE id = ? AND state = 'QUEUED'`,
    ).run(
      start.builder,
      start.emulated ? 1 : 0,
      start.startedAt.toISOString(),
      start.logFile,
      start.resultDir,
      id,
    );
    return info.changes === 1;
  }

  /** Ends a build that is in one of `from`; false if it was not. */
  markEnded(id: number, end: BuildEnd, from: readonly BuildState[]): boolean {
    const info = this.sql(
      `UPDATE builds SET state = ?, status = ?, fail_stage = ?, reason = ?, lintian = ?,
         tests = ?, files = ?, times = ?, log_dropped_bytes = ?, ended_at = ?
       WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})`,
    ).run(
      end.state,
      end.status,
      end.failStage,
      end.reason,
      end.lintian,
      JSON.stringify(end.tests ?? []),
      JSON.stringify(end.files),
      JSON.stringify(end.times),
      end.logDroppedBytes,
      end.endedAt.toISOString(),
      id,
      ...from,
    );
    return info.changes === 1;
  }

  /**
   * BUILDING → QUEUED, with the reason it is queued again. `countAttempt: false` takes the
   * interrupted start back (the daemon's own stop is not the build's fault).
   */
  requeue(id: number, reason: string, countAttempt: boolean): boolean {
    const info = this.sql(
      `UPDATE builds SET state = 'QUEUED', reason = ?, started_at = NULL,
         attempts = CASE WHEN ? THEN attempts ELSE MAX(attempts - 1, 0) END
       WHERE id = ? AND state = 'BUILDING'`,
    ).run(reason, countAttempt ? 1 : 0, id);
    return info.changes === 1;
  }

  /**
   * DEPWAIT → QUEUED: its build dependencies may be there now. It starts afresh (its
   * attempts count from 0 again); its reason says why it was woken.
   */
  wake(id: number, reason: string): boolean {
    const info = this.sql(
      `UPDATE builds SET state = 'QUEUED', reason = ?, started_at = NULL, attempts = 0
       WHERE id = ? AND state = 'DEPWAIT'`,
    ).run(reason, id);
    return info.changes === 1;
  }

  /**
   * The successful builds of the newest upload of a source version to a repository
   * that has any (the builds whose packages were installed), with their test results.
   */
  testedBuildsOf(
    repository: string,
    source: string,
    version: string,
  ): { architecture: string; tests: StoredTestResult[] }[] {
    const rows = this.sql(
      `SELECT b.architecture, b.tests FROM builds b JOIN uploads u ON u.id = b.upload_id
       WHERE u.id = (SELECT MAX(u2.id) FROM uploads u2 JOIN builds b2 ON b2.upload_id = u2.id
                     WHERE u2.repository = ? AND u2.source = ? AND u2.version = ?
                       AND b2.state = 'BUILT')
         AND b.state = 'BUILT'
         AND b.round = (SELECT MAX(round) FROM builds WHERE upload_id = u.id)
       ORDER BY b.id`,
    ).all(repository, source, version) as { architecture: string; tests: string }[];
    return rows.map((row) => ({
      architecture: row.architecture,
      tests: JSON.parse(row.tests) as StoredTestResult[],
    }));
  }

  counts(): Record<BuildState, number> {
    const rows = this.sql('SELECT state, COUNT(*) AS n FROM builds GROUP BY state').all() as {
      state: BuildState;
      n: number;
    }[];
    const counts = Object.fromEntries(BUILD_STATES.map((s) => [s, 0])) as Record<
      BuildState,
      number
    >;
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }
}
