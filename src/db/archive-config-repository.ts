import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';
import type {
  SuiteRecord,
  LayoutRecord,
  DistributionRecord,
  BuildLimitsRecord,
  RepositoryRecord,
} from '../archive/config-records.js';

interface RepositoryRow {
  id: string;
  description: string;
  layout: string;
  allow_unsigned: number;
  private: number;
  created_at: string;
  updated_at: string;
}

interface DistributionRow {
  codename: string;
  codeversion: string;
  architectures: string;
  arch_all_architecture: string;
  mandatory_architectures: string;
  components: string;
  build_limits: string;
  test_modes: string;
}

const toDistribution = (row: DistributionRow): DistributionRecord => ({
  codename: row.codename,
  codeversion: row.codeversion,
  architectures: JSON.parse(row.architectures) as string[],
  archAllArchitecture: row.arch_all_architecture,
  mandatoryArchitectures: JSON.parse(row.mandatory_architectures) as string[],
  components: JSON.parse(row.components) as string[],
  buildLimits: JSON.parse(row.build_limits) as BuildLimitsRecord,
  testModes: JSON.parse(row.test_modes) as Record<string, Record<string, string>>,
});

/** Layouts, repositories and their distributions. */
export class ArchiveConfigRepository {
  constructor(private readonly db: Db) {}

  listLayouts(): LayoutRecord[] {
    const rows = this.db.prepare('SELECT * FROM layouts ORDER BY name').all() as {
      name: string;
      suites: string;
      builtin: number;
    }[];
    return rows.map((r) => ({
      name: r.name,
      suites: JSON.parse(r.suites) as SuiteRecord[],
      builtin: r.builtin !== 0,
    }));
  }

  saveLayout(layout: LayoutRecord): void {
    this.db
      .prepare(
        `INSERT INTO layouts (name, suites, builtin) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET suites = excluded.suites`,
      )
      .run(layout.name, JSON.stringify(layout.suites), layout.builtin ? 1 : 0);
  }

  deleteLayout(name: string): void {
    const users = this.db
      .prepare('SELECT id FROM repositories WHERE layout = ?')
      .pluck()
      .all(name) as string[];
    if (users.length > 0) {
      throw new ConflictError(
        `layout ${name} is used by repository ${users.join(', ')}; change those first`,
      );
    }
    if (this.db.prepare('DELETE FROM layouts WHERE name = ?').run(name).changes === 0) {
      throw new NotFoundError(`there is no layout "${name}"`);
    }
  }

  listRepositories(): RepositoryRecord[] {
    const rows = this.db.prepare('SELECT * FROM repositories ORDER BY id').all() as RepositoryRow[];
    return rows.map((row) => this.withDistributions(row));
  }

  findRepository(id: string): RepositoryRecord | undefined {
    const row = this.db.prepare('SELECT * FROM repositories WHERE id = ?').get(id) as
      RepositoryRow | undefined;
    return row && this.withDistributions(row);
  }

  /** Inserts or replaces a repository and its distributions in one transaction. */
  saveRepository(repo: Omit<RepositoryRecord, 'createdAt' | 'updatedAt'>, now: Date): void {
    const time = now.toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO repositories (id, description, layout, allow_unsigned, private, created_at, updated_at)
           VALUES (@id, @description, @layout, @allow, @private, @time, @time)
           ON CONFLICT (id) DO UPDATE SET description = excluded.description, layout = excluded.layout,
             allow_unsigned = excluded.allow_unsigned, private = excluded.private,
             updated_at = excluded.updated_at`,
        )
        .run({
          id: repo.id,
          description: repo.description,
          layout: repo.layout,
          allow: repo.allowUnsigned ? 1 : 0,
          private: repo.private ? 1 : 0,
          time,
        });
      this.db.prepare('DELETE FROM distributions WHERE repository = ?').run(repo.id);
      const insert = this.db.prepare(
        `INSERT INTO distributions (repository, codename, codeversion, architectures, arch_all_architecture,
           mandatory_architectures, components, build_limits, test_modes, position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      repo.distributions.forEach((d, i) =>
        insert.run(
          repo.id,
          d.codename,
          d.codeversion,
          JSON.stringify(d.architectures),
          d.archAllArchitecture,
          JSON.stringify(d.mandatoryArchitectures),
          JSON.stringify(d.components),
          JSON.stringify(d.buildLimits ?? {}),
          JSON.stringify(d.testModes ?? {}),
          i,
        ),
      );
    })();
  }

  deleteRepository(id: string): void {
    if (this.db.prepare('DELETE FROM repositories WHERE id = ?').run(id).changes === 0) {
      throw new NotFoundError(`there is no repository "${id}"`);
    }
  }

  private withDistributions(row: RepositoryRow): RepositoryRecord {
    const distributions = (
      this.db
        .prepare('SELECT * FROM distributions WHERE repository = ? ORDER BY position')
        .all(row.id) as DistributionRow[]
    ).map(toDistribution);
    return {
      id: row.id,
      description: row.description,
      layout: row.layout,
      allowUnsigned: row.allow_unsigned !== 0,
      private: row.private !== 0,
      distributions,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
