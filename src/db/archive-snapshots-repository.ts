import type { Db } from './db-types.js';
import { statementCache } from './statement-cache.js';
import type { SnapshotRecord } from '../archive/snapshots/snapshot-records.js';

type NewSnapshot = Omit<SnapshotRecord, 'id' | 'sources' | 'binaries'>;

const COLUMNS = `id, repository, name, distribution, generation, revision, sources, binaries,
  automatic, created_at AS createdAt`;

type Row = Omit<SnapshotRecord, 'automatic'> & { automatic: number };
const toRecord = (row: Row): SnapshotRecord => ({ ...row, automatic: row.automatic !== 0 });

/** Snapshots of distributions and the pool files they pin. */
export class ArchiveSnapshotsRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  find(repository: string, name: string): SnapshotRecord | undefined {
    const row = this.sql(
      `SELECT ${COLUMNS} FROM archive_snapshots WHERE repository = ? AND name = ?`,
    ).get(repository, name) as Row | undefined;
    return row && toRecord(row);
  }

  list(filter: { repository?: string; distribution?: string } = {}): SnapshotRecord[] {
    const rows = this.sql(
      `SELECT ${COLUMNS} FROM archive_snapshots
         WHERE (@repository IS NULL OR repository = @repository)
           AND (@distribution IS NULL OR distribution = @distribution)
         ORDER BY repository, distribution, id`,
    ).all({
      repository: filter.repository ?? null,
      distribution: filter.distribution ?? null,
    }) as Row[];
    return rows.map(toRecord);
  }

  /**
   * Records a snapshot pinning every pool file of the sources `distribution` holds now
   * (their .dsc files and binaries); returns it with its counts.
   */
  insert(snapshot: NewSnapshot): SnapshotRecord {
    const id = Number(
      this.sql(
        `INSERT INTO archive_snapshots (repository, name, distribution, generation, revision,
             sources, binaries, automatic, created_at)
           VALUES (@repository, @name, @distribution, @generation, @revision,
             (SELECT count(*) FROM archive_placements WHERE distribution = @distribution),
             (SELECT count(*) FROM archive_placements p
                JOIN archive_binaries b ON b.source_id = p.source_id
                WHERE p.distribution = @distribution),
             @automatic, @createdAt)`,
      ).run({ ...snapshot, automatic: snapshot.automatic ? 1 : 0 }).lastInsertRowid,
    );
    this.sql(
      `INSERT OR IGNORE INTO archive_snapshot_files (snapshot_id, file_id)
         SELECT @id, sf.file_id FROM archive_placements p
           JOIN archive_source_files sf ON sf.source_id = p.source_id
           WHERE p.distribution = @distribution
         UNION
         SELECT @id, b.file_id FROM archive_placements p
           JOIN archive_binaries b ON b.source_id = p.source_id
           WHERE p.distribution = @distribution`,
    ).run({ id, distribution: snapshot.distribution });
    return this.find(snapshot.repository, snapshot.name)!;
  }

  /** Deletes a snapshot and its pins; false if there was none. */
  delete(id: number): boolean {
    return this.sql('DELETE FROM archive_snapshots WHERE id = ?').run(id).changes > 0;
  }

  /** How many sources a distribution holds now. */
  sourcesIn(distribution: string): number {
    return this.sql('SELECT count(*) FROM archive_placements WHERE distribution = ?')
      .pluck()
      .get(distribution) as number;
  }

  pinnedFiles(id: number): number {
    return this.sql('SELECT count(*) FROM archive_snapshot_files WHERE snapshot_id = ?')
      .pluck()
      .get(id) as number;
  }
}
