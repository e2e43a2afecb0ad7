import type {
  GitBuildRecord,
  GitSourceRecord,
  GitTrigger,
  NewGitSource,
} from '../own-uploads/git/git-source-records.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';
import { inTransaction } from './database.js';
import { statementCache } from './statement-cache.js';

const SOURCE_COLUMNS = `id, name, url, tags, branches, distribution,
  CASE WHEN orig_url_prefixes IS NOT NULL THEN 'watch' ELSE coalesce(upstream_from, 'native')
    END AS layout, upstream_tag AS upstreamTag, orig_url_prefixes AS origUrlPrefixes,
  signing_key AS signingKey, secret,
  deploy_key AS deployKey, poll_minutes AS pollMinutes, polled_at AS polledAt,
  poll_error AS pollError, created_at AS createdAt, created_by AS createdBy,
  status_forge AS statusForge, status_url AS statusUrl, status_token AS statusToken`;
const BUILD_COLUMNS = `id, source_id AS sourceId, source_name AS sourceName, url, ref,
  commit_id AS 'commit', trigger, state, package, version, upload_id AS uploadId, error,
  created_at AS createdAt, updated_at AS updatedAt`;

type SourceRow = Omit<GitSourceRecord, 'branches' | 'status' | 'origUrlPrefixes'> & {
  branches: string;
  origUrlPrefixes: string | null;
  statusForge: 'github' | 'gitea' | 'gitlab' | null;
  statusUrl: string | null;
  statusToken: string | null;
};
const toSource = ({ statusForge, statusUrl, statusToken, ...row }: SourceRow): GitSourceRecord => ({
  ...row,
  branches: JSON.parse(row.branches) as string[],
  origUrlPrefixes: row.origUrlPrefixes ? (JSON.parse(row.origUrlPrefixes) as string[]) : [],
  status:
    statusForge && statusUrl && statusToken
      ? { forge: statusForge, url: statusUrl, token: statusToken }
      : null,
});

/** git_sources, git_refs, git_deliveries and git_builds. */
export class GitSourcesRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  add(source: NewGitSource): GitSourceRecord {
    if (this.find(source.name)) {
      throw new ConflictError(`there is a git source named ${source.name} already`);
    }
    const row = this.sql(
      `INSERT INTO git_sources (name, url, tags, branches, distribution, layout,
           upstream_from, upstream_tag, orig_url_prefixes, signing_key, secret, deploy_key,
           poll_minutes, created_at, created_by, status_forge, status_url, status_token)
         VALUES (@name, @url, @tags, @branches, @distribution, 'native', @upstreamFrom,
           @upstreamTag, @origUrlPrefixes, @signingKey, @secret, @deployKey, @pollMinutes, @createdAt,
           @createdBy, @statusForge, @statusUrl, @statusToken)
         RETURNING ${SOURCE_COLUMNS}`,
    ).get({
      ...source,
      branches: JSON.stringify(source.branches),
      layout: undefined,
      upstreamFrom:
        source.layout === 'upstream-tag' || source.layout === 'pristine-tar' ? source.layout : null,
      origUrlPrefixes: source.layout === 'watch' ? JSON.stringify(source.origUrlPrefixes) : null,
      statusForge: source.status?.forge ?? null,
      statusUrl: source.status?.url ?? null,
      statusToken: source.status?.token ?? null,
      status: undefined,
    }) as SourceRow;
    return toSource(row);
  }

  list(): GitSourceRecord[] {
    const rows = this.sql(`SELECT ${SOURCE_COLUMNS} FROM git_sources ORDER BY name`).all();
    return (rows as SourceRow[]).map(toSource);
  }

  find(name: string): GitSourceRecord | undefined {
    const row = this.sql(`SELECT ${SOURCE_COLUMNS} FROM git_sources WHERE name = ?`).get(name);
    return row ? toSource(row as SourceRow) : undefined;
  }

  get(name: string): GitSourceRecord {
    const found = this.find(name);
    if (!found) {
      throw new NotFoundError(
        `there is no git source named ${name} (debyard git-sources lists them)`,
      );
    }
    return found;
  }

  remove(name: string): boolean {
    return this.sql('DELETE FROM git_sources WHERE name = ?').run(name).changes > 0;
  }

  polled(id: number, at: Date, error: string | null): void {
    this.sql('UPDATE git_sources SET polled_at = ?, poll_error = ? WHERE id = ?').run(
      at.toISOString(),
      error,
      id,
    );
  }

  /** The refs seen on a source's remote (full ref → commit). */
  refs(id: number): Map<string, string> {
    const rows = this.sql(
      'SELECT ref, commit_id AS commitId FROM git_refs WHERE source_id = ?',
    ).all(id) as { ref: string; commitId: string }[];
    return new Map(rows.map((r) => [r.ref, r.commitId]));
  }

  /** Replaces what is known of a source's refs (what ls-remote listed). */
  setRefs(id: number, refs: ReadonlyMap<string, string>): void {
    inTransaction(this.db, () => {
      this.sql('DELETE FROM git_refs WHERE source_id = ?').run(id);
      const insert = this.sql('INSERT INTO git_refs (source_id, ref, commit_id) VALUES (?, ?, ?)');
      for (const [ref, commit] of refs) insert.run(id, ref, commit);
    });
  }

  setRef(id: number, ref: string, commit: string): void {
    this.sql(
      `INSERT INTO git_refs (source_id, ref, commit_id) VALUES (?, ?, ?)
         ON CONFLICT (source_id, ref) DO UPDATE SET commit_id = excluded.commit_id`,
    ).run(id, ref, commit);
  }

  /** Deletes the webhook deliveries received before a date; returns how many. */
  pruneDeliveries(before: Date): number {
    return this.sql('DELETE FROM git_deliveries WHERE received_at < ?').run(before.toISOString())
      .changes;
  }

  /** Records a webhook delivery; false if it was recorded before (a replay). */
  takeDelivery(id: number, delivery: string, at: Date): boolean {
    const result = this.sql(
      `INSERT OR IGNORE INTO git_deliveries (source_id, delivery, received_at) VALUES (?, ?, ?)`,
    ).run(id, delivery, at.toISOString());
    return result.changes > 0;
  }

  startBuild(build: {
    source: GitSourceRecord;
    ref: string;
    trigger: GitTrigger;
    at: Date;
  }): GitBuildRecord {
    const time = build.at.toISOString();
    return this.sql(
      `INSERT INTO git_builds (source_id, source_name, url, ref, trigger, state, created_at,
           updated_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?, ?)
         RETURNING ${BUILD_COLUMNS}`,
    ).get(
      build.source.id,
      build.source.name,
      build.source.url,
      build.ref,
      build.trigger,
      time,
      time,
    ) as GitBuildRecord;
  }

  updateBuild(
    id: number,
    patch: Partial<
      Pick<GitBuildRecord, 'commit' | 'state' | 'package' | 'version' | 'uploadId' | 'error'>
    >,
    at: Date,
  ): GitBuildRecord {
    const current = this.build(id);
    const next = { ...current, ...patch, updatedAt: at.toISOString() };
    this.sql(
      `UPDATE git_builds SET commit_id = @commit, state = @state, package = @package,
           version = @version, upload_id = @uploadId, error = @error, updated_at = @updatedAt
         WHERE id = @id`,
    ).run(next);
    return next;
  }

  build(id: number): GitBuildRecord {
    const row = this.sql(`SELECT ${BUILD_COLUMNS} FROM git_builds WHERE id = ?`).get(id);
    if (!row) throw new NotFoundError(`there is no git build ${id}`);
    return row as GitBuildRecord;
  }

  builds(filter: { source?: string; limit: number }): GitBuildRecord[] {
    return this.sql(
      `SELECT ${BUILD_COLUMNS} FROM git_builds WHERE @source IS NULL OR source_name = @source
         ORDER BY id DESC LIMIT @limit`,
    ).all({ source: filter.source ?? null, limit: filter.limit }) as GitBuildRecord[];
  }

  /** A build of this commit of a ref that is running or made its upload (not a failed one). */
  builtBefore(id: number, ref: string, commit: string, except = 0): GitBuildRecord | undefined {
    return this.sql(
      `SELECT ${BUILD_COLUMNS} FROM git_builds
         WHERE source_id = ? AND ref = ? AND commit_id = ? AND id != ?
           AND state IN ('running', 'uploaded', 'rejected')
         ORDER BY id DESC LIMIT 1`,
    ).get(id, ref, commit, except) as GitBuildRecord | undefined;
  }

  /** The git build that made an upload. */
  buildOfUpload(uploadId: number): GitBuildRecord | undefined {
    return this.sql(`SELECT ${BUILD_COLUMNS} FROM git_builds WHERE upload_id = ?`).get(uploadId) as
      GitBuildRecord | undefined;
  }

  /** A source by id (its row may be gone). */
  byId(id: number): GitSourceRecord | undefined {
    const row = this.sql(`SELECT ${SOURCE_COLUMNS} FROM git_sources WHERE id = ?`).get(id);
    return row ? toSource(row as SourceRow) : undefined;
  }

  /** Builds a stopped daemon left running: they failed with it. */
  failRunning(at: Date): number {
    return this.sql(
      `UPDATE git_builds SET state = 'failed', error = 'the daemon stopped during the build',
           updated_at = ? WHERE state = 'running'`,
    ).run(at.toISOString()).changes;
  }
}
