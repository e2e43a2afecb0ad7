import type { Db } from './db-types.js';
import { statementCache } from './statement-cache.js';
import type {
  PlacedBinary,
  BinaryDetail,
  PlacedSourceRow,
  HeldSourceRow,
} from '../archive/package-records.js';

/** Read-only questions about what the archive holds. */
export class ArchiveQueryRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /** Placements of the sources with these names (or whose binaries have these names). */
  placements(names: readonly string[], repository?: string): PlacedSourceRow[] {
    if (names.length === 0) return [];
    const marks = names.map(() => '?').join(', ');
    const repoFilter = repository === undefined ? '' : 'AND p.repository = ?';
    return (
      this.sql(
        `SELECT p.repository, p.distribution, s.name AS source, s.version, s.component,
             s.stanza IS NOT NULL AS hasDsc, p.placed_at AS placedAt, s.stanza
           FROM archive_placements p JOIN archive_sources s ON s.id = p.source_id
           WHERE (s.name IN (${marks}) OR s.id IN
             (SELECT source_id FROM archive_binaries WHERE package IN (${marks}))) ${repoFilter}
           ORDER BY s.name, p.repository, p.distribution`,
      ).all(...names, ...names, ...(repository === undefined ? [] : [repository])) as (Omit<
        PlacedSourceRow,
        'hasDsc'
      > & { hasDsc: number })[]
    ).map((r) => ({ ...r, hasDsc: r.hasDsc !== 0 }));
  }

  binaries(repository: string, source: string, version: string): PlacedBinary[] {
    return this.sql(
      `SELECT b.package, b.version, b.architecture, f.path
         FROM archive_sources s JOIN archive_binaries b ON b.source_id = s.id
           JOIN archive_pool_files f ON f.id = b.file_id
         WHERE s.repository = ? AND s.name = ? AND s.version = ?
         ORDER BY b.package, b.architecture`,
    ).all(repository, source, version) as PlacedBinary[];
  }

  /** The binaries of a source version with sizes and file lists (for the package page). */
  binaryDetails(repository: string, source: string, version: string): BinaryDetail[] {
    const rows = this.sql(
      `SELECT b.package, b.version, b.architecture, f.path, f.size, b.stanza, b.contents
         FROM archive_sources s JOIN archive_binaries b ON b.source_id = s.id
           JOIN archive_pool_files f ON f.id = b.file_id
         WHERE s.repository = ? AND s.name = ? AND s.version = ?
         ORDER BY b.architecture, b.package`,
    ).all(repository, source, version) as (PlacedBinary & {
      size: number;
      stanza: string;
      contents: string;
    })[];
    return rows.map(({ stanza, contents, ...row }) => {
      const installed = /^Installed-Size:\s*(\d+)\s*$/m.exec(stanza);
      return {
        ...row,
        installedKiB: installed ? Number(installed[1]) : null,
        files: contents
          .split('\n')
          .filter(Boolean)
          .map((line) => `/${line.slice(0, line.lastIndexOf('\t')).trimEnd()}`),
      };
    });
  }

  /** Source and binary names matching a LIKE pattern, with whether each is a source. */
  searchNames(
    pattern: string,
    limit: number,
    excluded: readonly string[] = [],
  ): { name: string; kind: 'source' | 'binary' }[] {
    // Names only in `excluded` repositories are not found.
    return this.sql(
      `SELECT DISTINCT s.name AS name, 'source' AS kind FROM archive_sources s
           WHERE s.name LIKE @pattern ESCAPE '\\'
             AND s.repository NOT IN (SELECT value FROM json_each(@excluded))
         UNION
         SELECT DISTINCT b.package AS name, 'binary' AS kind
           FROM archive_binaries b JOIN archive_sources s ON s.id = b.source_id
           WHERE b.package LIKE @pattern ESCAPE '\\'
             AND s.repository NOT IN (SELECT value FROM json_each(@excluded))
         ORDER BY name, kind LIMIT @limit`,
    ).all({ pattern, limit, excluded: JSON.stringify(excluded) }) as {
      name: string;
      kind: 'source' | 'binary';
    }[];
  }

  /** The pool files of a source version (.dsc, tarballs), with sizes. */
  sourceFiles(
    repository: string,
    source: string,
    version: string,
  ): { path: string; size: number; sha256: string }[] {
    return this.sql(
      `SELECT f.path, f.size, f.sha256
         FROM archive_sources s JOIN archive_source_files sf ON sf.source_id = s.id
           JOIN archive_pool_files f ON f.id = sf.file_id
         WHERE s.repository = ? AND s.name = ? AND s.version = ?
         ORDER BY f.path`,
    ).all(repository, source, version) as { path: string; size: number; sha256: string }[];
  }

  /**
   * The source versions a distribution holds, each with its Sources stanza (null: no
   * .dsc) and the architectures its binaries are for.
   */
  sourcesIn(distribution: string): HeldSourceRow[] {
    const rows = this.sql(
      `SELECT s.name AS source, s.version, s.stanza,
           (SELECT group_concat(DISTINCT b.architecture) FROM archive_binaries b
              WHERE b.source_id = s.id) AS architectures
         FROM archive_placements p JOIN archive_sources s ON s.id = p.source_id
         WHERE p.distribution = ? ORDER BY s.name`,
    ).all(distribution) as (Omit<HeldSourceRow, 'architectures'> & {
      architectures: string | null;
    })[];
    return rows.map((r) => ({
      ...r,
      architectures: r.architectures === null ? [] : r.architectures.split(','),
    }));
  }

  /** Binary package names a distribution holds, in order (at most `limit`). */
  binaryNamesIn(distribution: string, limit: number): string[] {
    return this.sql(
      `SELECT DISTINCT b.package FROM archive_placements p
         JOIN archive_binaries b ON b.source_id = p.source_id
         WHERE p.distribution = ? ORDER BY b.package LIMIT ?`,
    )
      .pluck()
      .all(distribution, limit) as string[];
  }

  /** How many sources each distribution of a repository holds (rollbacks included). */
  placementCounts(repository: string): Map<string, number> {
    const rows = this.sql(
      `SELECT distribution, COUNT(*) AS count FROM archive_placements
         WHERE repository = ? GROUP BY distribution`,
    ).all(repository) as { distribution: string; count: number }[];
    return new Map(rows.map((r) => [r.distribution, r.count]));
  }

  /** Every version of a source anywhere in a repository. */
  versions(repository: string, source: string): string[] {
    return this.sql('SELECT version FROM archive_sources WHERE repository = ? AND name = ?')
      .pluck()
      .all(repository, source) as string[];
  }
}
