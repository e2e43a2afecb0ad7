import { NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';
import { pagedSelect } from './id-paging.js';
import {
  SETTLED_UPLOAD_STATES,
  type UploadFileRecord,
  type UploadRecord,
  type NewUpload,
  type UploadFilter,
} from '../scheduler/upload-records.js';

interface UploadRow {
  id: number;
  state: string;
  changes_file: string;
  source: string | null;
  version: string | null;
  distribution: string | null;
  repository: string | null;
  codename: string | null;
  suite: string | null;
  dsc_file: string | null;
  architectures: string;
  arch_all: number;
  options: string;
  signer: string | null;
  requested_by: string | null;
  changed_by: string | null;
  files: string;
  spool_path: string;
  reasons: string;
  received_at: string;
  processed_at: string;
  updated_at: string;
}

const toUpload = (row: UploadRow): UploadRecord => ({
  id: row.id,
  state: row.state,
  changesFile: row.changes_file,
  source: row.source,
  version: row.version,
  distribution: row.distribution,
  repository: row.repository,
  codename: row.codename,
  suite: row.suite,
  dscFile: row.dsc_file,
  architectures: JSON.parse(row.architectures) as string[],
  archAll: row.arch_all !== 0,
  options: JSON.parse(row.options) as Record<string, unknown>,
  signer: row.signer,
  requestedBy: row.requested_by,
  changedBy: row.changed_by,
  files: JSON.parse(row.files) as UploadFileRecord[],
  spoolPath: row.spool_path,
  reasons: JSON.parse(row.reasons) as string[],
  receivedAt: row.received_at,
  processedAt: row.processed_at,
  updatedAt: row.updated_at,
});

/** The uploads table: the durable queue between the incoming and the scheduler. */
export class UploadsRepository {
  constructor(private readonly db: Db) {}

  insert(upload: NewUpload): UploadRecord {
    const row = this.db
      .prepare(
        `INSERT INTO uploads (state, changes_file, source, version, distribution, repository,
           codename, suite, dsc_file, architectures, arch_all, options, signer, requested_by,
           changed_by, files, spool_path, reasons, received_at, processed_at, updated_at)
         VALUES (@state, @changes_file, @source, @version, @distribution, @repository, @codename,
           @suite, @dsc_file, @architectures, @arch_all, @options, @signer, @requested_by,
           @changed_by, @files, @spool_path, @reasons, @received_at, @processed_at, @processed_at)
         RETURNING *`,
      )
      .get({
        state: upload.state,
        changes_file: upload.changesFile,
        source: upload.source,
        version: upload.version,
        distribution: upload.distribution,
        repository: upload.repository,
        codename: upload.codename,
        suite: upload.suite,
        dsc_file: upload.dscFile,
        architectures: JSON.stringify(upload.architectures),
        arch_all: upload.archAll ? 1 : 0,
        options: JSON.stringify(upload.options),
        signer: upload.signer,
        requested_by: upload.requestedBy,
        changed_by: upload.changedBy,
        files: JSON.stringify(upload.files),
        spool_path: upload.spoolPath,
        reasons: JSON.stringify(upload.reasons),
        received_at: upload.receivedAt,
        processed_at: upload.processedAt,
      }) as UploadRow;
    return toUpload(row);
  }

  get(id: number): UploadRecord {
    const row = this.db.prepare('SELECT * FROM uploads WHERE id = ?').get(id) as
      UploadRow | undefined;
    if (!row) throw new NotFoundError(`there is no upload ${id}`);
    return toUpload(row);
  }

  list(filter: UploadFilter = {}): UploadRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    const states = [
      ...(filter.states ?? []),
      ...(filter.state === undefined ? [] : [filter.state]),
    ];
    if (states.length > 0) {
      where.push(`state IN (${states.map((_, i) => `@state${i}`).join(', ')})`);
      states.forEach((state, i) => (params[`state${i}`] = state));
    }
    for (const key of ['source', 'repository'] as const) {
      if (filter[key] === undefined) continue;
      where.push(`${key} = @${key}`);
      params[key] = filter[key];
    }
    if (filter.excludeRepositories?.length) {
      // In the query, not after it: a page holds `limit` rows whatever is left out.
      where.push(
        '(repository IS NULL OR repository NOT IN (SELECT value FROM json_each(@excluded)))',
      );
      params.excluded = JSON.stringify(filter.excludeRepositories);
    }
    if (filter.signer === null) where.push('signer IS NULL');
    if (typeof filter.signer === 'string') {
      // A full fingerprint, or a long key id: its last 16 hex digits.
      where.push('(signer = @signer OR substr(signer, -16) = @signer)');
      params.signer = filter.signer.toUpperCase();
    }
    const sql = pagedSelect('uploads', where, params, filter, 10_000);
    return (this.db.prepare(sql).all(params) as UploadRow[]).map(toUpload);
  }

  /** The newest upload of a .changes file name, if it was processed. */
  latestOfChanges(changesFile: string): UploadRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM uploads WHERE changes_file = ? ORDER BY id DESC LIMIT 1')
      .get(changesFile) as UploadRow | undefined;
    return row && toUpload(row);
  }

  /**
   * The uploads of a source version into a repository that are on their way in: every
   * state but the settled ones (SETTLED_UPLOAD_STATES), oldest first.
   */
  inFlight(repository: string, source: string, version: string): UploadRecord[] {
    const settled = SETTLED_UPLOAD_STATES.map(() => '?').join(', ');
    const rows = this.db
      .prepare(
        `SELECT * FROM uploads WHERE source = ? AND version = ? AND repository = ?
           AND state NOT IN (${settled}) ORDER BY id`,
      )
      .all(source, version, repository, ...SETTLED_UPLOAD_STATES) as UploadRow[];
    return rows.map(toUpload);
  }

  /** Which of these spool paths have a record (to find folders a crash left behind). */
  recordedSpoolPaths(paths: readonly string[]): Set<string> {
    const found = new Set<string>();
    const query = this.db.prepare('SELECT 1 FROM uploads WHERE spool_path = ?').pluck();
    for (const p of paths) if (query.get(p) !== undefined) found.add(p);
    return found;
  }

  /**
   * Moves an upload from one of the states `from` to `to` (with `reasons`, when given);
   * false if it was in none of them. The scheduler's transitions go through here.
   */
  transition(
    id: number,
    from: readonly string[],
    to: string,
    now: Date,
    reasons?: readonly string[],
  ): boolean {
    const info = this.db
      .prepare(
        `UPDATE uploads SET state = ?, updated_at = ?, reasons = COALESCE(?, reasons)
         WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})`,
      )
      .run(to, now.toISOString(), reasons ? JSON.stringify(reasons) : null, id, ...from);
    return info.changes === 1;
  }

  setState(id: number, state: string, now: Date): void {
    const info = this.db
      .prepare('UPDATE uploads SET state = ?, updated_at = ? WHERE id = ?')
      .run(state, now.toISOString(), id);
    if (info.changes === 0) throw new NotFoundError(`there is no upload ${id}`);
  }
}
