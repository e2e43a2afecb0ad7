import type { ArchivePackagesRepository } from '../db/archive-packages-repository.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError, InvalidInputError } from '../shared/errors.js';
import type { ArchiveConfig, ResolvedDistribution } from './archive-config.js';
import { ArchiveMoves, type MigrateOptions, type RemoveResult } from './archive-moves.js';
import { ChangeKit, type ChangeResult } from './changes/change-kit.js';
import { rollbackChain } from './changes/rollback-chain.js';
import type { ArchiveWriter } from './changes/writer.js';
import type { KeyedLock } from './keyed-lock.js';
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

export type { ChangeResult } from './changes/change-kit.js';

export interface ArchiveDeps {
  config: ArchiveConfig;
  /** Why a version may not migrate into a suite (its test results); none: no gate. */
  migrationGate?: (source: string, version: string, target: ResolvedDistribution) => string[];
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
  /** Installs of this many sources or more stage their index texts (default 4096). */
  stagedFromSources?: number;
  /** A full garbage collection: after a big install, its working set is garbage. */
  collectHeap?: () => void;
  /** Installs of this many sources or more collect the heap before publishing (default 16,384). */
  collectHeapFromSources?: number;
}

/**
 * Changes to the archive: install here; copy, migrate, remove and restore in
 * ArchiveMoves. Each checks everything before it touches anything, commits in one
 * transaction, emits its events after the commit, then publishes what changed. Locks:
 * one per distribution (around the commit and per publish) and one per source name (pool
 * files of that source).
 */
export class Archive {
  private readonly kit: ChangeKit;
  private readonly moves: ArchiveMoves;
  /** Numbers each install's staged index texts (ArchivePackagesRepository.stageTexts). */
  private stages = 0;

  constructor(private readonly deps: ArchiveDeps) {
    this.kit = new ChangeKit(deps);
    this.moves = new ArchiveMoves({ ...deps, kit: this.kit });
  }

  async install(input: InstallInput, signal?: AbortSignal): Promise<ChangeResult[]> {
    // The prepared packages (a bulk's take hundreds of megabytes) are gone before publishing.
    const { value, dists } = await this.prepareAndCommit(input, signal);
    await this.deps.publish(dists, signal);
    return value;
  }

  private async prepareAndCommit(
    input: InstallInput,
    signal?: AbortSignal,
  ): Promise<{ value: ChangeResult[]; dists: string[] }> {
    const target = this.kit.suiteTarget(input.distribution, 'install');
    const component = input.component ?? target.distribution.components[0]!;
    if (!target.distribution.components.includes(component)) {
      throw new InvalidInputError(
        `${target.name} has no component ${component} (it has ${target.distribution.components.join(', ')})`,
      );
    }
    if (input.packages.length < (this.deps.stagedFromSources ?? STAGED_FROM_SOURCES)) {
      return this.prepareStagedAndCommit(target, component, undefined, input, signal);
    }
    const stage = ++this.stages;
    try {
      return await this.prepareStagedAndCommit(target, component, stage, input, signal);
    } finally {
      this.deps.packages.releaseStage(stage);
      // Collected before the publish renders the indices: else V8 lets the heap grow
      // over it first (at Debian's size ~180 MB of garbage, the peak 120 MB higher).
      const from = this.deps.collectHeapFromSources ?? COLLECT_HEAP_FROM_SOURCES;
      if (input.packages.length >= from) this.deps.collectHeap?.();
    }
  }

  /** With a `stage`, the index texts of what is read wait in it (stageTexts). */
  private async prepareStagedAndCommit(
    target: ResolvedDistribution,
    component: string,
    stage: number | undefined,
    input: InstallInput,
    signal?: AbortSignal,
  ): Promise<{ value: ChangeResult[]; dists: string[] }> {
    const repo = target.repository.id;
    const poolFile = (poolPath: string) => this.deps.packages.findPoolFile(repo, poolPath);
    // Bounded: reading thousands of packages at once would only cost memory. Deep enough
    // to keep the formats' reading threads (withReadingThreads) fed while results come back.
    const prepared: PreparedSource[] = new Array(input.packages.length);
    await mapLimited(
      input.packages.map((p, i) => [p, i] as const),
      64,
      async ([p, i]) => {
        const source = await prepareSource(
          p,
          component,
          { formats: this.deps.formats, poolFile },
          signal,
        );
        if (stage === undefined) {
          prepared[i] = source;
          return;
        }
        const rows = this.deps.packages.stageTexts(
          stage,
          source.binaries.map((b) => b.index),
        );
        const binaries = source.binaries.map((b, j) => ({ ...b, index: { staged: rows[j]! } }));
        prepared[i] = { ...source, binaries };
      },
    );
    await this.deps.formats.readsDone?.();
    this.checkPrepared(target, prepared);
    const chain = rollbackChain(target);
    const sourceKeys = prepared.map((p) => `source:${repo}:${p.name}`);
    return this.deps.locks.with(
      sourceKeys,
      async () => {
        for (const p of prepared) this.checkUploadVersion(target, p);
        const conflicts = prepared.flatMap((p) => this.deps.writer.poolConflicts(repo, filesOf(p)));
        if (conflicts.length) {
          throw new ConflictError('the pool already has other files under these names', {
            problems: conflicts.map((message) => ({ message })),
          });
        }
        const fresh = this.freshPoolFiles(repo, prepared);
        const commit = (beforeCommit?: () => void) =>
          this.deps.locks.with(
            chain.map((d) => `dist:${d}`),
            () => this.commitInstall(target, prepared, input, beforeCommit),
            signal,
          );
        try {
          return await this.putAndCommit(repo, fresh, input.handOver ?? false, commit, signal);
        } catch (error) {
          // Nothing names the files just put in the pool: take them out again.
          for (const { poolPath } of fresh) {
            if (!this.deps.packages.findPoolFile(repo, poolPath)) {
              await this.deps.pool.remove(repo, poolPath);
            }
          }
          throw error;
        }
      },
      signal,
    );
  }

  /** Copies the version of `source` in `from` into the suite `to` (rollback shift applies). */
  copy(from: string, source: string, to: string, signal?: AbortSignal): Promise<ChangeResult> {
    return this.moves.copy(from, source, to, signal);
  }

  /** Migrates a source one step along its suite's `migratesTo` (see migrateChain). */
  async migrate(dist: string, source: string, signal?: AbortSignal): Promise<ChangeResult> {
    return (await this.moves.migrate(dist, source, signal))[0]!;
  }

  /** Migrates one step, or with `full` along the whole chain; one result per step taken. */
  migrateChain(
    dist: string,
    source: string,
    options: MigrateOptions,
    signal?: AbortSignal,
  ): Promise<ChangeResult[]> {
    return this.moves.migrate(dist, source, signal, options);
  }

  /** Removes a source from a distribution; with `intoRollback` its version goes to rollback0. */
  remove(
    dist: string,
    source: string,
    signal?: AbortSignal,
    options: { intoRollback?: boolean } = {},
  ): Promise<RemoveResult> {
    return this.moves.remove(dist, source, signal, options);
  }

  /** Puts a version back from the suite's rollbacks (rollback0 unless a version is given). */
  restore(
    dist: string,
    source: string,
    options: { version?: string } = {},
    signal?: AbortSignal,
  ): Promise<ChangeResult> {
    return this.moves.restore(dist, source, signal, options);
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

  /** The files of the prepared sources the pool does not have yet. */
  private freshPoolFiles(repo: string, prepared: readonly PreparedSource[]): FreshFile[] {
    return prepared
      .flatMap(filesOf)
      .filter((f) => f.from !== null && !this.deps.packages.findPoolFile(repo, f.poolPath))
      .map((f) => ({ poolPath: f.poolPath, from: f.from! }));
  }

  /**
   * Puts the fresh files in the pool, durably, and commits. A bulk of handed-over files is
   * hard-linked on a thread of its own while the transaction writes the database, and the
   * transaction waits for it before it commits; if that thread could not link everything,
   * the transaction rolls back and the files go the usual way before the commit is redone.
   */
  private async putAndCommit<T>(
    repo: string,
    fresh: readonly FreshFile[],
    link: boolean,
    commit: (beforeCommit?: () => void) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const background =
      link && fresh.length >= BACKGROUND_LINKS
        ? this.deps.pool.linkInBackground(repo, fresh)
        : undefined;
    if (background) {
      try {
        return await commit(() => {
          const outcome = background.waitSync();
          if (outcome.failed.length > 0 || outcome.syncError !== null) throw new LinksIncomplete();
        });
      } catch (error) {
        // Rolled back; the thread may still be linking if the transaction failed early.
        await background.done();
        if (!(error instanceof LinksIncomplete)) throw error;
      }
    }
    if (link) {
      await this.deps.pool.linkMany(repo, fresh, signal);
    } else {
      await mapLimited(fresh, 8, async (f) => {
        signal?.throwIfAborted();
        await this.deps.pool.put(repo, f.poolPath, f.from, false);
      });
    }
    await this.deps.pool.sync(
      repo,
      fresh.map((f) => f.poolPath),
    );
    return commit();
  }

  /**
   * Plans the install (everything it reads, checked), then applies the plan; one
   * transaction, `beforeCommit` runs last, inside.
   */
  private commitInstall(
    target: ResolvedDistribution,
    prepared: readonly PreparedSource[],
    input: InstallInput,
    beforeCommit?: () => void,
  ): { value: ChangeResult[]; dists: string[] } {
    const { writer } = this.deps;
    return this.kit.commit((touched, events) => {
      const results: ChangeResult[] = [];
      const check = (p: PreparedSource) => this.checkUploadVersion(target, p);
      writer.install(target, prepared, check, touched, ({ prepared: p, changed }) => {
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
        results.push({ source: p.name, version: p.version, distribution: target.name, changed });
      });
      beforeCommit?.();
      return results;
    });
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
}

/** A file to put in the pool: where, and the caller's file it comes from. */
interface FreshFile {
  poolPath: string;
  from: string;
}

/**
 * An install of this many sources or more puts the index texts (Packages stanzas, Contents
 * lists) of what it has read in a temporary table of the database until its commit, not in
 * memory: a bulk of Debian's size has ~90 MB of them, and held through the transaction they
 * raised its peak by ~45 MB. A smaller install keeps them: staging a few thousand packages'
 * texts costs more time than the memory it saves.
 */
const STAGED_FROM_SOURCES = 4096;

/**
 * A smaller install leaves little garbage: at 5,001 packages a collection moved the peak by
 * a few megabytes, upwards as often as not (what it evacuates takes fresh pages).
 */
const COLLECT_HEAP_FROM_SOURCES = 16_384;

/** Fresh handed-over files from which they are linked on a thread during the commit. */
const BACKGROUND_LINKS = 256;

/** The link thread could not link every file: the install goes the usual way. */
class LinksIncomplete extends Error {}

function filesOf(p: PreparedSource) {
  return [...(p.dsc ? [p.dsc.file, ...p.dsc.files] : []), ...p.binaries.map((b) => b.file)];
}
