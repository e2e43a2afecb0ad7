import type { Db } from './db-types.js';
import { statementCache } from './statement-cache.js';
import type {
  PoolFileRecord,
  SourceRecord,
  BinaryRecord,
  BinaryIndexTexts,
  PlacementRecord,
} from '../archive/package-records.js';

type NewPoolFile = Omit<PoolFileRecord, 'id'>;
type NewSource = Omit<SourceRecord, 'id'>;
type NewBinary = Omit<BinaryRecord, 'id'>;
/** A binary whose texts were staged (stageTexts): `staged` is their row. */
type NewStagedBinary = Omit<NewBinary, keyof BinaryIndexTexts> & { staged: number };

const POOL_COLUMNS = 'id, repository, path, size, md5, sha1, sha256, sha512';
const SOURCE_COLUMNS = 'id, repository, name, version, component, stanza, digest';
const BINARY_COLUMNS = `id, source_id AS sourceId, package, version, architecture, file_id AS fileId,
  stanza, digest, contents, contents_digest AS contentsDigest`;
const PLACEMENT_COLUMNS = `p.distribution, p.repository, p.source_name AS sourceName,
  p.source_id AS sourceId, s.version, p.placed_at AS placedAt`;

const STAGED_TEXTS_TABLE = `CREATE TEMP TABLE IF NOT EXISTS archive_staged_texts (
  id INTEGER PRIMARY KEY, stage INTEGER NOT NULL, stanza TEXT NOT NULL, digest TEXT NOT NULL,
  contents TEXT NOT NULL, contents_digest TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS temp.archive_staged_texts_stage ON archive_staged_texts (stage);`;

/** Pool files, source versions, binaries and placements (which distribution holds what). */
export class ArchivePackagesRepository {
  private readonly sql: ReturnType<typeof statementCache>;
  /** Whether this connection has the staging table yet (stageTexts). */
  private staging = false;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  findPoolFile(repository: string, path: string): PoolFileRecord | undefined {
    return this.sql(
      `SELECT ${POOL_COLUMNS} FROM archive_pool_files WHERE repository = ? AND path = ?`,
    ).get(repository, path) as PoolFileRecord | undefined;
  }

  poolFile(id: number): PoolFileRecord {
    return this.sql(`SELECT ${POOL_COLUMNS} FROM archive_pool_files WHERE id = ?`).get(
      id,
    ) as PoolFileRecord;
  }

  insertPoolFile(file: NewPoolFile, now: Date): number {
    const info = this.sql(
      `INSERT INTO archive_pool_files (repository, path, size, md5, sha1, sha256, sha512, created_at)
         VALUES (@repository, @path, @size, @md5, @sha1, @sha256, @sha512, @now)`,
    ).run({ ...file, now: now.toISOString() });
    return Number(info.lastInsertRowid);
  }

  setReferenced(fileIds: readonly number[]): void {
    const stmt = this.sql(
      'UPDATE archive_pool_files SET unreferenced_at = NULL WHERE id = ? AND unreferenced_at IS NOT NULL',
    );
    for (const id of fileIds) stmt.run(id);
  }

  /** Marks the files no source or binary references any more; returns their ids. */
  markUnreferenced(fileIds: readonly number[], now: Date): number[] {
    const refs = this.sql(
      `SELECT (SELECT count(*) FROM archive_source_files WHERE file_id = @id)
            + (SELECT count(*) FROM archive_binaries WHERE file_id = @id)`,
    );
    const mark = this.sql(
      'UPDATE archive_pool_files SET unreferenced_at = ? WHERE id = ? AND unreferenced_at IS NULL',
    );
    const orphans = fileIds.filter((id) => (refs.pluck().get({ id }) as number) === 0);
    for (const id of orphans) mark.run(now.toISOString(), id);
    return orphans;
  }

  findSource(repository: string, name: string, version: string): SourceRecord | undefined {
    return this.sql(
      `SELECT ${SOURCE_COLUMNS} FROM archive_sources WHERE repository = ? AND name = ? AND version = ?`,
    ).get(repository, name, version) as SourceRecord | undefined;
  }

  source(id: number): SourceRecord {
    return this.sql(`SELECT ${SOURCE_COLUMNS} FROM archive_sources WHERE id = ?`).get(
      id,
    ) as SourceRecord;
  }

  insertSource(source: NewSource, now: Date): number {
    const info = this.sql(
      `INSERT INTO archive_sources (repository, name, version, component, stanza, digest, created_at)
         VALUES (@repository, @name, @version, @component, @stanza, @digest, @now)`,
    ).run({ ...source, now: now.toISOString() });
    return Number(info.lastInsertRowid);
  }

  /** Gives a binary-only source record its .dsc. */
  setSourceStanza(id: number, stanza: string, digest: string): void {
    this.sql('UPDATE archive_sources SET stanza = ?, digest = ? WHERE id = ?').run(
      stanza,
      digest,
      id,
    );
  }

  addSourceFiles(sourceId: number, fileIds: readonly number[]): void {
    const stmt = this.sql(
      'INSERT OR IGNORE INTO archive_source_files (source_id, file_id) VALUES (?, ?)',
    );
    for (const id of fileIds) stmt.run(sourceId, id);
  }

  sourceFiles(sourceId: number): PoolFileRecord[] {
    return this.sql(
      `SELECT ${POOL_COLUMNS.split(', ')
        .map((c) => `f.${c}`)
        .join(', ')}
         FROM archive_source_files sf JOIN archive_pool_files f ON f.id = sf.file_id
         WHERE sf.source_id = ? ORDER BY f.path`,
    ).all(sourceId) as PoolFileRecord[];
  }

  insertBinary(binary: NewBinary | NewStagedBinary): number {
    if ('staged' in binary) {
      const info = this.sql(
        `INSERT INTO archive_binaries (source_id, package, version, architecture, file_id, stanza,
             digest, contents, contents_digest)
           SELECT @sourceId, @package, @version, @architecture, @fileId, stanza, digest, contents,
             contents_digest FROM temp.archive_staged_texts WHERE id = @staged`,
      ).run(binary);
      if (info.changes !== 1) {
        throw new Error(`the staged index texts ${binary.staged} of ${binary.package} are gone`);
      }
      return Number(info.lastInsertRowid);
    }
    const info = this.sql(
      `INSERT INTO archive_binaries (source_id, package, version, architecture, file_id, stanza,
           digest, contents, contents_digest)
         VALUES (@sourceId, @package, @version, @architecture, @fileId, @stanza, @digest, @contents,
           @contentsDigest)`,
    ).run(binary);
    return Number(info.lastInsertRowid);
  }

  /**
   * Keeps binaries' index texts in a temporary table until their install commits
   * (insertBinary with `staged`): a bulk install's prepared packages would otherwise hold
   * every Packages stanza and Contents list of the bulk in memory at once. The table lives
   * in SQLite's temporary file of this connection, so a crash leaves nothing behind.
   * Returns the texts' rows, in order.
   */
  stageTexts(stage: number, texts: readonly BinaryIndexTexts[]): number[] {
    this.ensureStaging();
    const insert = this.sql(
      `INSERT INTO temp.archive_staged_texts (stage, stanza, digest, contents, contents_digest)
         VALUES (?, ?, ?, ?, ?)`,
    );
    return texts.map((t) =>
      Number(insert.run(stage, t.stanza, t.digest, t.contents, t.contentsDigest).lastInsertRowid),
    );
  }

  /** Forgets the texts staged under `stage` (the install committed or failed). */
  releaseStage(stage: number): void {
    if (!this.staging) return;
    this.sql('DELETE FROM temp.archive_staged_texts WHERE stage = ?').run(stage);
  }

  private ensureStaging(): void {
    if (this.staging) return;
    this.db.exec(STAGED_TEXTS_TABLE);
    // 1 MiB of cached pages: the rows are written once and read once, and SQLite's default
    // (16 MiB, as better-sqlite3 builds it) would hold a bulk's first 16 MiB in memory.
    this.db.pragma('temp.cache_size = -1024');
    this.staging = true;
  }

  binaries(sourceId: number): BinaryRecord[] {
    return this.sql(
      `SELECT ${BINARY_COLUMNS} FROM archive_binaries WHERE source_id = ? ORDER BY package, architecture`,
    ).all(sourceId) as BinaryRecord[];
  }

  /** Deletes a source version with its binaries; returns the pool files they referenced. */
  deleteSource(id: number): number[] {
    const files = [
      ...(this.sql('SELECT file_id FROM archive_source_files WHERE source_id = ?')
        .pluck()
        .all(id) as number[]),
      ...(this.sql('SELECT file_id FROM archive_binaries WHERE source_id = ?')
        .pluck()
        .all(id) as number[]),
    ];
    this.sql('DELETE FROM archive_sources WHERE id = ?').run(id);
    return files;
  }

  placement(distribution: string, sourceName: string): PlacementRecord | undefined {
    return this.sql(
      `SELECT ${PLACEMENT_COLUMNS} FROM archive_placements p JOIN archive_sources s ON s.id = p.source_id
         WHERE p.distribution = ? AND p.source_name = ?`,
    ).get(distribution, sourceName) as PlacementRecord | undefined;
  }

  /** Every placement of a source name in a repository (all versions, all distributions). */
  placementsOf(repository: string, sourceName: string): PlacementRecord[] {
    return this.sql(
      `SELECT ${PLACEMENT_COLUMNS} FROM archive_placements p JOIN archive_sources s ON s.id = p.source_id
         WHERE p.repository = ? AND p.source_name = ? ORDER BY p.distribution`,
    ).all(repository, sourceName) as PlacementRecord[];
  }

  placementsOfSource(sourceId: number): PlacementRecord[] {
    return this.sql(
      `SELECT ${PLACEMENT_COLUMNS} FROM archive_placements p JOIN archive_sources s ON s.id = p.source_id
         WHERE p.source_id = ? ORDER BY p.distribution`,
    ).all(sourceId) as PlacementRecord[];
  }

  setPlacement(
    distribution: string,
    repository: string,
    sourceName: string,
    sourceId: number,
    now: Date,
  ): void {
    this.sql(
      `INSERT INTO archive_placements (distribution, repository, source_name, source_id, placed_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (distribution, source_name) DO UPDATE
           SET source_id = excluded.source_id, placed_at = excluded.placed_at`,
    ).run(distribution, repository, sourceName, sourceId, now.toISOString());
  }

  deletePlacement(distribution: string, sourceName: string): void {
    this.sql('DELETE FROM archive_placements WHERE distribution = ? AND source_name = ?').run(
      distribution,
      sourceName,
    );
  }

  isPlaced(sourceId: number): boolean {
    return (
      this.sql('SELECT 1 FROM archive_placements WHERE source_id = ? LIMIT 1')
        .pluck()
        .get(sourceId) !== undefined
    );
  }
}
