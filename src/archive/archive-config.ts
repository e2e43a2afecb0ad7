import type { ArchiveConfigRepository } from '../db/archive-config-repository.js';
import type { RepositoryRecord } from './config-records.js';
import type { Clock } from '../shared/clock.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
} from '../shared/errors.js';
import { parseDistributionName } from './model/distribution-name.js';
import type { DistributionTestModes } from './model/test-modes.js';
import {
  DEFAULT_LAYOUT,
  findSuite,
  layoutProblems,
  type Layout,
  type SuiteSpec,
} from './model/layout.js';
import {
  repositoryProblems,
  type DistributionSpec,
  type RepositorySpec,
} from './model/repository.js';

/** A distribution name resolved against the configuration. */
export interface ResolvedDistribution {
  name: string;
  repository: RepositorySpec;
  layout: Layout;
  distribution: DistributionSpec;
  suite: SuiteSpec;
  /** null for the suite itself, N for `-rollbackN`. */
  rollback: number | null;
}

export type ConfigChangeListener = (what: { kind: 'layout' | 'repository'; id: string }) => void;

/**
 * Repositories and layouts: validated changes that take effect at once (every reader
 * asks this service, nothing caches a copy), with listeners for those who must react.
 */
export class ArchiveConfig {
  private readonly listeners = new Set<ConfigChangeListener>();

  constructor(private readonly deps: { store: ArchiveConfigRepository; clock: Clock }) {}

  /** Stores the built-in layouts (again, so upgrades refresh them). */
  installBuiltinLayouts(): void {
    this.deps.store.saveLayout({ ...DEFAULT_LAYOUT, builtin: true });
  }

  /**
   * Stores a layout the daemon itself needs (a mirror's: one suite nothing is uploaded to,
   * which a user's layout may not be), built in: users can neither change nor delete it.
   */
  installBuiltinLayout(layout: Layout): void {
    if (this.deps.store.listLayouts().some((l) => l.name === layout.name)) return;
    this.deps.store.saveLayout({ ...layout, builtin: true });
    this.changed('layout', layout.name);
  }

  onChange(listener: ConfigChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  layouts(): Layout[] {
    return this.deps.store.listLayouts().map(({ name, suites }) => ({ name, suites }));
  }

  layout(name: string): Layout {
    const layout = this.layouts().find((l) => l.name === name);
    if (!layout) throw new NotFoundError(`there is no layout "${name}"`);
    return layout;
  }

  /** Whether a layout is built in (it can be neither changed nor deleted). */
  isBuiltinLayout(name: string): boolean {
    return this.deps.store.listLayouts().some((l) => l.name === name && l.builtin);
  }

  saveLayout(layout: Layout): void {
    const existing = this.deps.store.listLayouts().find((l) => l.name === layout.name);
    if (existing?.builtin)
      throw new PermissionError(
        `layout ${layout.name} is built in; create a layout with another name`,
      );
    const problems = layoutProblems(layout);
    if (problems.length)
      throw new InvalidInputError(`layout ${layout.name} is not valid`, { problems });
    this.deps.store.saveLayout({ ...layout, builtin: false });
    this.changed('layout', layout.name);
  }

  deleteLayout(name: string): void {
    if (this.deps.store.listLayouts().find((l) => l.name === name)?.builtin) {
      throw new PermissionError(`layout ${name} is built in and cannot be deleted`);
    }
    this.deps.store.deleteLayout(name);
    this.changed('layout', name);
  }

  repositories(): RepositorySpec[] {
    return this.deps.store.listRepositories().map(toSpec);
  }

  repository(id: string): RepositorySpec {
    const record = this.deps.store.findRepository(id);
    if (!record) throw new NotFoundError(`there is no repository "${id}"`);
    return toSpec(record);
  }

  hasRepository(id: string): boolean {
    return this.deps.store.findRepository(id) !== undefined;
  }

  createRepository(spec: RepositorySpec): RepositorySpec {
    if (this.hasRepository(spec.id))
      throw new ConflictError(`repository ${spec.id} already exists`);
    return this.saveRepository(spec);
  }

  updateRepository(spec: RepositorySpec): RepositorySpec {
    this.repository(spec.id);
    return this.saveRepository(spec);
  }

  /** Removes a repository's configuration; the archive checks it is empty first. */
  deleteRepository(id: string): void {
    this.deps.store.deleteRepository(id);
    this.changed('repository', id);
  }

  /** Resolves `<codename>-<repo>-<suite>[-rollbackN]`, explaining what does not exist. */
  resolve(name: string): ResolvedDistribution {
    const parsed = parseDistributionName(name);
    if (!parsed) {
      throw new InvalidInputError(
        `"${name}" is not a distribution name; they look like <codename>-<repository>-<suite>, e.g. bookworm-test-unstable`,
      );
    }
    const record = this.deps.store.findRepository(parsed.repository);
    if (!record) {
      const known = this.deps.store.listRepositories().map((r) => r.id);
      throw new NotFoundError(
        `unknown distribution ${name}: there is no repository "${parsed.repository}" (known: ${known.join(', ') || 'none'})`,
      );
    }
    const repository = toSpec(record);
    const distribution = repository.distributions.find((d) => d.codename === parsed.codename);
    if (!distribution) {
      throw new NotFoundError(
        `unknown distribution ${name}: repository ${repository.id} has no codename ${parsed.codename} (it has ${repository.distributions.map((d) => d.codename).join(', ') || 'none'})`,
      );
    }
    const layout = this.layout(repository.layout);
    const suite = findSuite(layout, parsed.suite);
    if (!suite) {
      throw new NotFoundError(
        `unknown distribution ${name}: layout ${layout.name} has no suite ${parsed.suite} (it has ${layout.suites.map((s) => s.name).join(', ')})`,
      );
    }
    if (parsed.rollback !== null && parsed.rollback >= suite.rollbacks) {
      throw new NotFoundError(
        `unknown distribution ${name}: suite ${suite.name} keeps ${suite.rollbacks} rollbacks (rollback0 to rollback${suite.rollbacks - 1})`,
      );
    }
    return { name, repository, layout, distribution, suite, rollback: parsed.rollback };
  }

  private saveRepository(spec: RepositorySpec): RepositorySpec {
    const problems = repositoryProblems(spec, this.layouts());
    if (problems.length)
      throw new InvalidInputError(`repository ${spec.id} is not valid`, { problems });
    this.deps.store.saveRepository(spec, this.deps.clock.now());
    this.changed('repository', spec.id);
    return this.repository(spec.id);
  }

  private changed(kind: 'layout' | 'repository', id: string): void {
    for (const listener of [...this.listeners]) listener({ kind, id });
  }
}

function toSpec(record: RepositoryRecord): RepositorySpec {
  return {
    id: record.id,
    description: record.description,
    layout: record.layout,
    allowUnsigned: record.allowUnsigned,
    private: record.private ?? false,
    // The stored test modes were checked (repositoryProblems) before they were saved.
    distributions: record.distributions.map((d) => ({
      ...d,
      testModes: (d.testModes ?? {}) as DistributionTestModes,
    })),
  };
}
