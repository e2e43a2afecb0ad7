import { promises as fs } from 'node:fs';
import { ConflictError, InvalidInputError, type Problem } from '../shared/errors.js';
import type { ArchiveConfig } from './archive-config.js';
import type { KeyedLock } from './keyed-lock.js';
import type { Layout } from './model/layout.js';
import { distributionNameStrings, type RepositorySpec } from './model/repository.js';

export interface ArchiveAdminDeps {
  config: ArchiveConfig;
  /** How many sources each distribution of a repository holds. */
  placementCounts(repository: string): Map<string, number>;
  locks: KeyedLock;
  /** Resolves once no publish is running. */
  idle(): Promise<void>;
  /** Removes a distribution's published tree and forgets its publishing state. */
  removeDist(repository: string, dist: string): Promise<void>;
  /** `<home>/repos/<repository>`. */
  repositoryRoot(repository: string): string;
  /** Rebuilds every index of these distributions and publishes them. */
  republish(repository: string, dists: readonly string[], signal?: AbortSignal): Promise<void>;
}

/**
 * Configuration changes that must respect what the archive holds: a repository,
 * distribution or suite (with its rollbacks) is only removed while it holds no packages,
 * and what is removed disappears from the published tree too. Changes that only add go
 * straight to the configuration (whose listeners publish).
 */
export class ArchiveAdmin {
  constructor(private readonly deps: ArchiveAdminDeps) {}

  createRepository(spec: RepositorySpec): RepositorySpec {
    return this.deps.config.createRepository(spec);
  }

  async updateRepository(spec: RepositorySpec): Promise<RepositorySpec> {
    const { config } = this.deps;
    config.repository(spec.id);
    // An unknown layout is the configuration's to explain (400), whatever the packages.
    if (!config.layouts().some((l) => l.name === spec.layout)) return config.updateRepository(spec);
    const after = new Map([[spec.id, this.namesWith(spec, spec.layout)]]);
    return this.shrink(after, () => config.updateRepository(spec));
  }

  async deleteRepository(id: string): Promise<void> {
    const { config } = this.deps;
    config.repository(id);
    await this.shrink(new Map([[id, []]]), () => config.deleteRepository(id));
    await fs.rm(this.deps.repositoryRoot(id), { recursive: true, force: true });
  }

  async saveLayout(layout: Layout, mode: 'create' | 'update'): Promise<Layout> {
    const { config } = this.deps;
    const exists = config.layouts().some((l) => l.name === layout.name);
    if (mode === 'create' && exists)
      throw new ConflictError(`layout ${layout.name} exists already`);
    if (mode === 'update') config.layout(layout.name);
    const users = config.repositories().filter((r) => r.layout === layout.name);
    const after = new Map(users.map((r) => [r.id, distributionNameStrings(r, layout)]));
    await this.shrink(after, () => config.saveLayout(layout));
    return config.layout(layout.name);
  }

  deleteLayout(name: string): void {
    this.deps.config.layout(name);
    this.deps.config.deleteLayout(name);
  }

  /** Republishes a repository, or one of its distributions; returns what was published. */
  async reindex(repository: string, dist?: string, signal?: AbortSignal): Promise<string[]> {
    const spec = this.deps.config.repository(repository);
    const all = this.namesWith(spec, spec.layout);
    if (dist !== undefined && !all.includes(dist)) {
      this.deps.config.resolve(dist);
      throw new InvalidInputError(`${dist} is not a distribution of repository ${repository}`);
    }
    const dists = dist === undefined ? all : [dist];
    await this.deps.republish(repository, dists, signal);
    return dists;
  }

  private namesWith(spec: RepositorySpec, layoutName: string): string[] {
    return distributionNameStrings(spec, this.deps.config.layout(layoutName));
  }

  /**
   * Makes a change that may remove distributions: holding the locks of every distribution
   * of the affected repositories (so no install lands meanwhile), refuses when one that
   * would vanish holds packages; after the change, removes the vanished published trees.
   */
  private async shrink<T>(after: Map<string, string[]>, change: () => T): Promise<T> {
    const { config } = this.deps;
    const before = new Map(
      [...after.keys()].map((id) => {
        const spec = config.repository(id);
        return [id, this.namesWith(spec, spec.layout)] as const;
      }),
    );
    const vanished = [...before].flatMap(([repo, names]) =>
      names.filter((n) => !after.get(repo)!.includes(n)).map((dist) => ({ repo, dist })),
    );
    const keys = [...before.values()].flat().map((d) => `dist:${d}`);
    const result = await this.deps.locks.with(keys, () => {
      const problems = this.occupied(vanished);
      if (problems.length > 0) {
        throw new ConflictError(
          'this would remove distributions that hold packages; remove or migrate them first',
          { problems },
        );
      }
      return change();
    });
    if (vanished.length > 0) {
      await this.deps.idle();
      for (const { repo, dist } of vanished) await this.deps.removeDist(repo, dist);
    }
    return result;
  }

  private occupied(dists: readonly { repo: string; dist: string }[]): Problem[] {
    const counts = new Map<string, Map<string, number>>();
    return dists.flatMap(({ repo, dist }) => {
      if (!counts.has(repo)) counts.set(repo, this.deps.placementCounts(repo));
      const count = counts.get(repo)!.get(dist) ?? 0;
      return count > 0
        ? [{ where: dist, message: `holds ${count} source package${count > 1 ? 's' : ''}` }]
        : [];
    });
  }
}
