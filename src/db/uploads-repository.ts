import { NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';

/** The states the incoming writes; the scheduler adds its own (the column is free text). */
export type IncomingUploadState = 'ACCEPTED' | 'REJECTED';

/**
 * The states in which an upload is done with: refused (REJECTED, and RETRIED: checked
 * again as a new row), failed (FAILED; a retry makes it PACKAGING again) or INSTALLED
 * (from then on the archive holds the version). Every other state (ACCEPTED,
 * PACKAGING, BUILDING, BUILT, and any a later version adds) is on its way in.
 */
export const SETTLED_UPLOAD_STATES: readonly string[] = [
  'REJECTED',
  'RETRIED',
  'FAILED',
  'INSTALLED',
];

/** A file of an upload as it was checked. */
export interface UploadFileRecord {
  name: string;
  size: number;
  sha256: string;
  /** Not uploaded: the .dsc names it and the repository's pool already has it. */
  inPool?: boolean;
}

/**
 * One processed `.changes`. For accepted uploads everything a build needs: where the
 * files are, what to build for, with which options, signed by whom.
 */
export interface UploadRecord {
  id: number;
  state: string;
  /** The `.changes` file name as uploaded. */
  changesFile: string;
  source: string | null;
  version: string | null;
  /** The resolved distribution `<codename>-<repo>-<suite>` (as written if it did not resolve). */
  distribution: string | null;
  repository: string | null;
  codename: string | null;
  suite: string | null;
  /** The `.dsc` file name in the spool folder (source uploads). */
  dscFile: string | null;
  /** Architectures to build on, one build each. */
  architectures: string[];
  /**
   * Whether arch:all packages are built; if so, the first architecture (the
   * distribution's arch-all architecture) builds them.
   */
  archAll: boolean;
  /** Upload options from the changelog (see incoming/upload-options.ts). */
  options: Record<string, unknown>;
  /** Fingerprint of the signing key; null for an unsigned upload. */
  signer: string | null;
  /**
   * Whom an upload the daemon made (signed with its key) is for: `anonymous`,
   * `key <fingerprint>` or `user <name> (<role>)`; null for uploads from outside.
   */
  requestedBy: string | null;
  changedBy: string | null;
  files: UploadFileRecord[];
  /** Folder holding the files, relative to the home: `spool/<key>` or `rejected/<key>`. */
  spoolPath: string;
  /** Rejection reasons, each one sentence. */
  reasons: string[];
  receivedAt: string;
  processedAt: string;
  updatedAt: string;
}

export type NewUpload = Omit<UploadRecord, 'id' | 'updatedAt'>;

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

export interface UploadFilter {
  state?: string;
  /** Any of these states. */
  states?: readonly string[];
  source?: string;
  repository?: string;
  /** Not uploads to these repositories (private ones an anonymous caller may not see). */
  excludeRepositories?: readonly string[];
  /** The signing key's fingerprint (or its last 16 hex digits); null: unsigned uploads. */
  signer?: string | null;
  /** Only uploads with an id greater than this (then oldest first). */
  afterId?: number;
  /** Only uploads with an id less than this (paging backwards). */
  beforeId?: number;
  /** At most this many, newest first (unless afterId is given). */
  limit?: number;
}

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
    if (filter.afterId !== undefined) {
      where.push('id > @afterId');
      params.afterId = filter.afterId;
    }
    if (filter.beforeId !== undefined) {
      where.push('id < @beforeId');
      params.beforeId = filter.beforeId;
    }
    const order = filter.afterId !== undefined ? 'ASC' : 'DESC';
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 10_000);
    const sql = `SELECT * FROM uploads ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id ${order} LIMIT ${limit}`;
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
