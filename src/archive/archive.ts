import type { ArchivePackagesRepository } from '../db/archive-packages-repository.js';
import type { StoredEvent } from '../events/event.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors.js';
import type { ArchiveConfig, ResolvedDistribution } from './archive-config.js';
import { rollbackChain, shiftChain } from './changes/rollback-chain.js';
import { TouchedIndices } from './changes/touched.js';
import type { ArchiveWriter } from './changes/writer.js';
import type { KeyedLock } from './keyed-lock.js';
import { findSuite } from './model/layout.js';
import { prepareSource, type PackageInput, type PreparedSource } from './packages/prepare.js';
import type { PoolStore } from './pool/pool-store.js';
import type { ArchiveFormats } from './ports.js';
import { mapLimited } from './map-limited.js';

export interface InstallInput {
  /** A suite distribution, e.g. bookworm-test-unstable (never a rollback). */
  distribution: string;
  packages: PackageInput[];
  /** Default: the distribution's first component. */
  component?: string;
  uploadId?: number;
  buildId?: number;
  /**
   * The caller hands its files over: they may be hard-linked into the pool (much faster
   * than copying) because the caller never rewrites them in place afterwards — it only
   * deletes them or replaces them by rename (as the incoming spool and build results do).
   */
  handOver?: boolean;
}

export interface ChangeResult {
  source: string;
  version: string;
  distribution: string;
  /** False when the archive already held exactly this (installs are idempotent). */
  changed: boolean;
}

export interface ArchiveDeps {
  config: ArchiveConfig;
  /** Runs a synchronous function in one write transaction. */
  transaction: <T>(fn: () => T) => T;
  packages: ArchivePackagesRepository;
  writer: ArchiveWriter;
  pool: PoolStore;
  formats: ArchiveFormats;
  locks: KeyedLock;
  publish: (dists: string[], signal?: AbortSignal) => Promise<void>;
  events: EventLog;
  clock: Clock;
}

/**
 * Changes to the archive: install, copy (migrate) and remove. Each checks everything
 * before it touches anything, commits in one transaction, emits its events after the
 * commit, then publishes what changed. Locks: one per distribution (around the commit and
 * per publish) and one per source name (pool files of that source).
 */
export class Archive {
  constructor(private readonly deps: ArchiveDeps) {}

  async install(input: InstallInput, signal?: AbortSignal): Promise<ChangeResult[]> {
    const target = this.uploadTarget(input.distribution);
    const component = input.component ?? target.distribution.components[0]!;
    if (!target.distribution.components.includes(component)) {
      throw new InvalidInputError(
        `${target.name} has no component ${component} (it has ${target.distribution.components.join(', ')})`,
      );
    }
    const repo = target.repository.id;
    const poolFile = (poolPath: string) => this.deps.packages.findPoolFile(repo, poolPath);
    // Bounded: reading thousands of packages at once would only cost memory.
    const prepared: PreparedSource[] = new Array(input.packages.length);
    await mapLimited(
      input.packages.map((p, i) => [p, i] as const),
      8,
      async ([p, i]) => {
        prepared[i] = await prepareSource(
          p,
          component,
          { formats: this.deps.formats, poolFile },
          signal,
        );
      },
    );
    this.checkPrepared(target, prepared);
    const chain = rollbackChain(target);
    const sourceKeys = prepared.map((p) => `source:${repo}:${p.name}`);
    const { value, dists } = await this.deps.locks.with(
      sourceKeys,
      async () => {
        for (const p of prepared) this.checkUploadVersion(target, p);
        const conflicts = prepared.flatMap((p) => this.deps.writer.poolConflicts(repo, filesOf(p)));
        if (conflicts.length) {
          throw new ConflictError('the pool already has other files under these names', {
            problems: conflicts.map((message) => ({ message })),
          });
        }
        const fresh = await this.putPoolFiles(repo, prepared, input.handOver ?? false, signal);
        try {
          return await this.deps.locks.with(
            chain.map((d) => `dist:${d}`),
            () => this.commitInstall(target, prepared, input),
            signal,
          );
        } catch (error) {
          // Nothing names the files just put in the pool: take them out again.
          for (const f of fresh) {
            if (!this.deps.packages.findPoolFile(repo, f)) await this.deps.pool.remove(repo, f);
          }
          throw error;
        }
      },
      signal,
    );
    await this.deps.publish(dists, signal);
    return value;
  }

  /** Copies the version of `source` in `from` into the suite `to` (rollback shift applies). */
  async copy(
    from: string,
    source: string,
    to: string,
    signal?: AbortSignal,
  ): Promise<ChangeResult> {
    const origin = this.deps.config.resolve(from);
    const target = this.uploadTarget(to, 'copy');
    if (origin.repository.id !== target.repository.id) {
      throw new InvalidInputError(
        `${from} and ${to} are in different repositories; copy only within one repository`,
      );
    }
    const chain = rollbackChain(target);
    const result = await this.deps.locks.with(
      [from, ...chain].map((d) => `dist:${d}`),
      () => {
        const placed = this.deps.packages.placement(from, source);
        if (!placed) throw new NotFoundError(`${from} has no source package ${source}`);
        const current = this.deps.packages.placement(to, source);
        if (current?.sourceId === placed.sourceId) {
          throw new ConflictError(`${source} ${placed.version} is in ${to} already`);
        }
        if (current && this.deps.formats.compareVersions(placed.version, current.version) <= 0) {
          throw new ConflictError(
            `${source} ${placed.version} from ${from} is not higher than ${current.version} in ${to}`,
          );
        }
        return this.commit((touched, events) => {
          this.shiftIn(target, chain, source, placed.sourceId, touched);
          events.push(
            this.deps.events.record({
              type: 'MIGRATED',
              message: `${source} ${placed.version} copied from ${from} to ${to}`,
              source,
              version: placed.version,
              distribution: to,
              details: { from },
            }),
          );
          return { source, version: placed.version, distribution: to, changed: true };
        });
      },
      signal,
    );
    await this.deps.publish(result.dists, signal);
    return result.value;
  }

  /** Migrates a source one step along its suite's `migratesTo`. */
  async migrate(dist: string, source: string, signal?: AbortSignal): Promise<ChangeResult> {
    const origin = this.deps.config.resolve(dist);
    if (origin.rollback !== null) {
      throw new InvalidInputError(`${dist} is a rollback distribution; migrate from its suite`);
    }
    const next = origin.suite.migratesTo;
    if (!next || !findSuite(origin.layout, next)) {
      throw new InvalidInputError(`suite ${origin.suite.name} does not migrate anywhere`);
    }
    const to = `${origin.distribution.codename}-${origin.repository.id}-${next}`;
    return this.copy(dist, source, to, signal);
  }

  /** Removes a source (with its binaries) from one distribution. */
  async remove(dist: string, source: string, signal?: AbortSignal): Promise<ChangeResult> {
    const resolved = this.deps.config.resolve(dist);
    const result = await this.deps.locks.with(
      [`dist:${dist}`],
      () => {
        const placed = this.deps.packages.placement(dist, source);
        if (!placed) throw new NotFoundError(`${dist} has no source package ${source}`);
        return this.commit((touched, events) => {
          const id = this.deps.writer.unplace(
            { name: dist, repository: resolved.repository.id },
            source,
            touched,
          );
          this.deps.writer.dropUnplaced([id!]);
          events.push(
            this.deps.events.record({
              type: 'REMOVED',
              message: `${source} ${placed.version} removed from ${dist}`,
              source,
              version: placed.version,
              distribution: dist,
            }),
          );
          return { source, version: placed.version, distribution: dist, changed: true };
        });
      },
      signal,
    );
    await this.deps.publish(result.dists, signal);
    return result.value;
  }

  private uploadTarget(name: string, what: 'install' | 'copy' = 'install'): ResolvedDistribution {
    const target = this.deps.config.resolve(name);
    if (target.rollback !== null) {
      const suite = name.replace(/-rollback\d+$/, '');
      throw new InvalidInputError(
        `cannot ${what} into the rollback distribution ${name} directly; rollbacks are filled by installing into ${suite}`,
      );
    }
    return target;
  }

  private checkPrepared(target: ResolvedDistribution, prepared: readonly PreparedSource[]): void {
    const archs = target.distribution.architectures;
    const problems: string[] = [];
    const names = new Set<string>();
    for (const p of prepared) {
      if (names.has(p.name)) problems.push(`source ${p.name} is given twice`);
      names.add(p.name);
      for (const b of p.binaries) {
        if (b.architecture !== 'all' && !archs.includes(b.architecture)) {
          problems.push(
            `${b.package}_${b.version}_${b.architecture}.deb: ${target.name} has no architecture ${b.architecture} (it has ${archs.join(', ')})`,
          );
        }
      }
    }
    if (problems.length) {
      throw new InvalidInputError(`cannot install into ${target.name}`, {
        problems: problems.map((message) => ({ message })),
      });
    }
  }

  /** Puts the files the pool does not have yet; returns their pool paths. */
  private async putPoolFiles(
    repo: string,
    prepared: readonly PreparedSource[],
    link: boolean,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const fresh = prepared
      .flatMap(filesOf)
      .filter((f) => f.from !== null && !this.deps.packages.findPoolFile(repo, f.poolPath));
    await mapLimited(fresh, 8, async (f) => {
      signal?.throwIfAborted();
      await this.deps.pool.put(repo, f.poolPath, f.from!, link);
    });
    const paths = fresh.map((f) => f.poolPath);
    await this.deps.pool.sync(repo, paths);
    return paths;
  }

  private commitInstall(
    target: ResolvedDistribution,
    prepared: readonly PreparedSource[],
    input: InstallInput,
  ): { value: ChangeResult[]; dists: string[] } {
    const chain = rollbackChain(target);
    const repo = target.repository.id;
    return this.commit((touched, events) =>
      prepared.map((p) => {
        this.checkUploadVersion(target, p);
        const stored = this.deps.writer.storeSource(repo, p, touched);
        const placed = this.shiftIn(target, chain, p.name, stored.sourceId, touched);
        const changed = placed || stored.created || stored.extended;
        if (changed) {
          events.push(
            this.deps.events.record({
              type: 'INSTALLED',
              message: `${p.name} ${p.version} installed in ${target.name}`,
              source: p.name,
              version: p.version,
              distribution: target.name,
              uploadId: input.uploadId ?? null,
              buildId: input.buildId ?? null,
              details: { binaries: p.binaries.map((b) => `${b.package}_${b.architecture}`) },
            }),
          );
        }
        return { source: p.name, version: p.version, distribution: target.name, changed };
      }),
    );
  }

  /** Upload rules: higher than the suite's current version, new to the repository. */
  private checkUploadVersion(target: ResolvedDistribution, p: PreparedSource): void {
    const { packages, formats } = this.deps;
    const current = packages.placement(target.name, p.name);
    if (current?.version === p.version) return;
    if (current && formats.compareVersions(p.version, current.version) <= 0) {
      throw new ConflictError(
        `${p.name} ${p.version} is not higher than ${current.version}, the version in ${target.name}`,
      );
    }
    const elsewhere = packages.placementsOf(target.repository.id, p.name);
    const same = elsewhere.filter((e) => e.version === p.version);
    if (same.length) {
      throw new ConflictError(
        `${p.name} ${p.version} is in repository ${target.repository.id} already (in ${same.map((e) => e.distribution).join(', ')}); a version is uploaded once, then migrated`,
      );
    }
  }

  private shiftIn(
    target: ResolvedDistribution,
    chain: readonly string[],
    source: string,
    sourceId: number,
    touched: TouchedIndices,
  ): boolean {
    const { packages, writer } = this.deps;
    const current = chain.map((d) => packages.placement(d, source)?.sourceId);
    if (current[0] === sourceId) return false;
    const { next, dropped } = shiftChain(current, sourceId);
    const repository = target.repository.id;
    chain.forEach((dist, i) => {
      if (next[i] === current[i]) return;
      if (next[i] === undefined) writer.unplace({ name: dist, repository }, source, touched);
      else writer.place({ name: dist, repository }, source, next[i]!, touched);
    });
    writer.dropUnplaced([...dropped, ...current.filter((c): c is number => c !== undefined)]);
    return true;
  }

  private commit<T>(fn: (touched: TouchedIndices, events: StoredEvent[]) => T): {
    value: T;
    dists: string[];
  } {
    const touched = new TouchedIndices();
    const events: StoredEvent[] = [];
    const value = this.deps.transaction(() => {
      const result = fn(touched, events);
      this.deps.writer.commitTouched(touched, (d) => this.deps.config.resolve(d).repository.id);
      return result;
    });
    for (const event of events) this.deps.events.publish(event);
    return { value, dists: touched.dists };
  }
}

function filesOf(p: PreparedSource) {
  return [...(p.dsc ? [p.dsc.file, ...p.dsc.files] : []), ...p.binaries.map((b) => b.file)];
}
