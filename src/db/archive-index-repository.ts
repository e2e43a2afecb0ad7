import { inTransaction } from './database.js';
import type { Db } from './db-types.js';
import { statementCache } from './statement-cache.js';
import type {
  DistState,
  IndexEntryRef,
  BinaryEntryRef,
  IndexText,
  GenerationRecord,
  PublishedFile,
  SegmentRecord,
} from '../archive/publish/index-records.js';

const DIST_COLUMNS = `name, repository, revision, published_revision AS publishedRevision,
  generation, release_date AS releaseDate, valid_until AS validUntil, published_at AS publishedAt`;

/** Publishing state: distribution revisions, dirty indices, generations, index segments. */
export class ArchiveIndexRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  ensureDist(name: string, repository: string): void {
    this.sql('INSERT OR IGNORE INTO archive_dists (name, repository) VALUES (?, ?)').run(
      name,
      repository,
    );
  }

  dist(name: string): DistState | undefined {
    return this.sql(`SELECT ${DIST_COLUMNS} FROM archive_dists WHERE name = ?`).get(name) as
      DistState | undefined;
  }

  dists(repository?: string): DistState[] {
    return (
      repository === undefined
        ? this.sql(`SELECT ${DIST_COLUMNS} FROM archive_dists ORDER BY name`).all()
        : this.sql(
            `SELECT ${DIST_COLUMNS} FROM archive_dists WHERE repository = ? ORDER BY name`,
          ).all(repository)
    ) as DistState[];
  }

  /** Forgets a distribution that no longer exists (its generations and dirty indices go too). */
  forgetDist(name: string): void {
    this.sql('DELETE FROM archive_dists WHERE name = ?').run(name);
    this.sql('DELETE FROM archive_pool_releases WHERE distribution = ?').run(name);
  }

  /**
   * Records a change to some indices of a distribution; returns its new revision. `sources`
   * names the sources whose entries changed; without it a change of indices counts as a
   * change of every entry (the next publish lists them all again).
   */
  markChanged(
    name: string,
    repository: string,
    paths: Iterable<string>,
    sources?: Iterable<string>,
  ): number {
    this.ensureDist(name, repository);
    const revision = this.sql(
      'UPDATE archive_dists SET revision = revision + 1 WHERE name = ? RETURNING revision',
    )
      .pluck()
      .get(name) as number;
    const stmt = this.sql(
      `INSERT INTO archive_dirty_indices (distribution, path, revision) VALUES (?, ?, ?)
       ON CONFLICT (distribution, path) DO UPDATE SET revision = excluded.revision`,
    );
    let touched = false;
    for (const path of paths) {
      stmt.run(name, path, revision);
      touched = true;
    }
    const dirtySource = this.sql(
      `INSERT INTO archive_dirty_sources (distribution, source_name, revision) VALUES (?, ?, ?)
       ON CONFLICT (distribution, source_name) DO UPDATE SET revision = excluded.revision`,
    );
    if (sources) for (const source of sources) dirtySource.run(name, source, revision);
    else if (touched) dirtySource.run(name, '', revision);
    return revision;
  }

  /** The sources changed after `revision` ('' for a change that named none). */
  dirtySources(name: string, revision: number): string[] {
    return this.sql(
      'SELECT source_name FROM archive_dirty_sources WHERE distribution = ? AND revision > ?',
    )
      .pluck()
      .all(name, revision) as string[];
  }

  dirtyIndices(name: string): string[] {
    return this.sql('SELECT path FROM archive_dirty_indices WHERE distribution = ? ORDER BY path')
      .pluck()
      .all(name) as string[];
  }

  /** The distributions whose latest change is not published yet. */
  unpublished(): DistState[] {
    return this.sql(
      `SELECT ${DIST_COLUMNS} FROM archive_dists WHERE revision <> published_revision ORDER BY name`,
    ).all() as DistState[];
  }

  /**
   * The binaries of a component in a distribution for one architecture (with arch:all), for
   * its Packages (digest) and Contents (contentsDigest) indices: one listing serves both.
   * With `sources`, only theirs.
   */
  binaryEntries(
    dist: string,
    component: string,
    architecture: string,
    sources?: readonly string[],
  ): BinaryEntryRef[] {
    return this.sql(
      `SELECT b.id, b.package || ' ' || b.architecture || ' ' || b.version AS key, b.digest,
           b.contents_digest AS contentsDigest, s.name AS source
         FROM archive_placements p
           JOIN archive_sources s ON s.id = p.source_id
           JOIN archive_binaries b ON b.source_id = s.id
         WHERE p.distribution = ? AND s.component = ? AND b.architecture IN (?, 'all')
           ${sources ? 'AND p.source_name IN (SELECT value FROM json_each(?))' : ''}
         ORDER BY key`,
    ).all(
      dist,
      component,
      architecture,
      ...(sources ? [JSON.stringify(sources)] : []),
    ) as BinaryEntryRef[];
  }

  /** The sources of a component in a distribution for its Sources index (with `sources`, only theirs). */
  sourcesEntries(dist: string, component: string, sources?: readonly string[]): IndexEntryRef[] {
    return this.sql(
      `SELECT s.id, s.name || ' ' || s.version AS key, s.digest, s.name AS source
         FROM archive_placements p JOIN archive_sources s ON s.id = p.source_id
         WHERE p.distribution = ? AND s.component = ? AND s.stanza IS NOT NULL
           ${sources ? 'AND p.source_name IN (SELECT value FROM json_each(?))' : ''}
         ORDER BY key`,
    ).all(dist, component, ...(sources ? [JSON.stringify(sources)] : [])) as IndexEntryRef[];
  }

  /** The texts of some index entries by row id. */
  entryTexts(text: IndexText, ids: readonly number[]): Map<number, string> {
    const sql = {
      stanza: 'SELECT id, stanza AS text FROM archive_binaries',
      contents: 'SELECT id, contents AS text FROM archive_binaries',
      source: 'SELECT id, stanza AS text FROM archive_sources',
    }[text];
    const rows = this.sql(`${sql} WHERE id IN (SELECT value FROM json_each(?))`).all(
      JSON.stringify(ids),
    ) as { id: number; text: string }[];
    return new Map(rows.map((r) => [r.id, r.text]));
  }

  segments(keys: readonly string[]): Map<string, SegmentRecord> {
    const stmt = this.sql(
      'SELECT key, raw, deflate, xz, crc32 FROM archive_segments WHERE key = ?',
    );
    const found = new Map<string, SegmentRecord>();
    for (const key of new Set(keys)) {
      const row = stmt.get(key) as SegmentRecord | undefined;
      if (row) found.set(key, row);
    }
    return found;
  }

  /** The uncompressed texts of segments (those found). */
  segmentTexts(keys: readonly string[]): Map<string, Buffer> {
    const stmt = this.sql('SELECT raw FROM archive_segments WHERE key = ?').pluck();
    const found = new Map<string, Buffer>();
    for (const key of new Set(keys)) {
      const raw = stmt.get(key) as Buffer | undefined;
      if (raw) found.set(key, raw);
    }
    return found;
  }

  saveSegments(segments: readonly SegmentRecord[], now: Date): void {
    const stmt = this.sql(
      `INSERT INTO archive_segments (key, raw, deflate, xz, crc32, used_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET used_at = excluded.used_at`,
    );
    // One transaction: a bulk publish saves hundreds (one commit each would cost more).
    inTransaction(this.db, () => {
      for (const s of segments) stmt.run(s.key, s.raw, s.deflate, s.xz, s.crc32, now.toISOString());
    });
  }

  touchSegments(keys: readonly string[], now: Date): void {
    this.sql(
      'UPDATE archive_segments SET used_at = ? WHERE key IN (SELECT value FROM json_each(?))',
    ).run(now.toISOString(), JSON.stringify(keys));
  }

  /** Drops segments no index used since `before`. */
  pruneSegments(before: Date): number {
    return this.sql('DELETE FROM archive_segments WHERE used_at < ?').run(before.toISOString())
      .changes;
  }

  generations(dist: string): GenerationRecord[] {
    const rows = this.sql(
      `SELECT distribution, generation, revision, published_at AS publishedAt, files,
           retired_at AS retiredAt
         FROM archive_generations WHERE distribution = ? ORDER BY generation`,
    ).all(dist) as (Omit<GenerationRecord, 'files'> & { files: string })[];
    return rows.map((r) => ({ ...r, files: JSON.parse(r.files) as PublishedFile[] }));
  }

  /** Records a published generation and makes it the distribution's current one. */
  recordPublished(input: {
    dist: string;
    generation: number;
    revision: number;
    releaseDate: string;
    validUntil: string | null;
    files: readonly PublishedFile[];
    retired: readonly number[];
    now: Date;
  }): void {
    const now = input.now.toISOString();
    this.sql(
      `INSERT INTO archive_generations (distribution, generation, revision, published_at, files)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (distribution, generation) DO UPDATE SET revision = excluded.revision,
           published_at = excluded.published_at, files = excluded.files, retired_at = NULL`,
    ).run(input.dist, input.generation, input.revision, now, JSON.stringify(input.files));
    const retire = this.sql(
      `UPDATE archive_generations SET retired_at = ? WHERE distribution = ? AND generation = ?`,
    );
    for (const g of input.retired) retire.run(now, input.dist, g);
    this.sql('DELETE FROM archive_generations WHERE distribution = ? AND generation > ?').run(
      input.dist,
      input.generation,
    );
    this.sql(
      `UPDATE archive_dists SET published_revision = ?, generation = ?, release_date = ?,
           valid_until = ?, published_at = ? WHERE name = ?`,
    ).run(input.revision, input.generation, input.releaseDate, input.validUntil, now, input.dist);
    this.sql('DELETE FROM archive_dirty_indices WHERE distribution = ? AND revision <= ?').run(
      input.dist,
      input.revision,
    );
    this.sql('DELETE FROM archive_dirty_sources WHERE distribution = ? AND revision <= ?').run(
      input.dist,
      input.revision,
    );
  }

  /** Drops retired generation records (their by-hash files are gone from the tree). */
  forgetRetired(dist: string, keep: number): void {
    this.sql(
      `DELETE FROM archive_generations WHERE distribution = ? AND retired_at IS NOT NULL
           AND generation < ?`,
    ).run(dist, keep);
  }

  recordRelease(fileIds: readonly number[], dist: string, revision: number): void {
    const stmt = this.sql(
      `INSERT INTO archive_pool_releases (file_id, distribution, revision) VALUES (?, ?, ?)
       ON CONFLICT (file_id, distribution) DO UPDATE SET revision = excluded.revision`,
    );
    for (const id of fileIds) stmt.run(id, dist, revision);
  }
}

/**
 * Pool files whose last reference went away before `before` and that no snapshot pins,
 * with where they were released.
 */
export function unreferencedPoolFiles(
  db: Db,
  before: Date,
): {
  id: number;
  repository: string;
  path: string;
  releases: { dist: string; revision: number }[];
}[] {
  const files = db
    .prepare(
      `SELECT id, repository, path FROM archive_pool_files f
       WHERE unreferenced_at IS NOT NULL AND unreferenced_at < ?
         AND NOT EXISTS (SELECT 1 FROM archive_snapshot_files s WHERE s.file_id = f.id)`,
    )
    .all(before.toISOString()) as { id: number; repository: string; path: string }[];
  const releases = db.prepare(
    'SELECT distribution AS dist, revision FROM archive_pool_releases WHERE file_id = ?',
  );
  return files.map((f) => ({
    ...f,
    releases: releases.all(f.id) as { dist: string; revision: number }[],
  }));
}

/** Whether some still-served generation of `dist` predates `revision`. */
export function servesRevisionBefore(db: Db, dist: string, revision: number): boolean {
  const published = db
    .prepare('SELECT published_revision FROM archive_dists WHERE name = ?')
    .pluck()
    .get(dist) as number | undefined;
  if (published === undefined) return false;
  if (published < revision) return true;
  return (
    db
      .prepare(
        `SELECT 1 FROM archive_generations
         WHERE distribution = ? AND retired_at IS NULL AND revision < ? LIMIT 1`,
      )
      .pluck()
      .get(dist, revision) !== undefined
  );
}

/**
 * Deletes the record of a still unreferenced pool file; false if it is referenced again
 * (by a package or a snapshot).
 */
export function deletePoolFileRecord(db: Db, id: number): boolean {
  return (
    db
      .prepare(
        `DELETE FROM archive_pool_files WHERE id = @id AND unreferenced_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM archive_snapshot_files WHERE file_id = @id)`,
      )
      .run({ id }).changes > 0
  );
}
