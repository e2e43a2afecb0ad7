import { tmpdir } from 'node:os';
import { BuildsRepository } from '../db/builds-repository.js';
import { migrationRefusals } from './test-gate.js';
import { ArchiveIndexRepository } from '../db/archive-index-repository.js';
import { ArchivePackagesRepository } from '../db/archive-packages-repository.js';
import { ArchiveQueryRepository } from '../db/archive-query-repository.js';
import { ArchiveSnapshotsRepository } from '../db/archive-snapshots-repository.js';
import { inTransaction, type Db } from '../db/database.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import { collectHeap } from '../shared/full-gc.js';
import type { Logger } from '../shared/logger.js';
import { Archive } from './archive.js';
import { ArchiveAdmin } from './archive-admin.js';
import type { ArchiveConfig } from './archive-config.js';
import { ArchiveQueries } from './archive-queries.js';
import { allIndexPaths } from './changes/touched.js';
import { ArchiveWriter } from './changes/writer.js';
import { KeyedLock } from './keyed-lock.js';
import { distributionNameStrings } from './model/repository.js';
import { collectPoolGarbage } from './pool/pool-gc.js';
import { PoolStore } from './pool/pool-store.js';
import { sweepPool } from './pool/pool-sweep.js';
import type { ArchiveFormats, ReleaseSigner, XzCompressor } from './ports.js';
import { GenerationWriter } from './publish/generation-writer.js';
import { IndexBuilder } from './publish/index-builder.js';
import { Publisher, type PublisherOptions } from './publish/publisher.js';
import { reconcileDist } from './publish/recovery.js';
import { takeScheduledSnapshots } from './snapshots/snapshot-schedule.js';
import { SnapshotTree } from './snapshots/snapshot-tree.js';
import { Snapshots } from './snapshots/snapshots.js';

export interface ArchiveServiceDeps {
  db: Db;
  config: ArchiveConfig;
  /** `<home>/repos`: one folder per repository. */
  reposRoot: string;
  formats: ArchiveFormats;
  xz: XzCompressor;
  signer: ReleaseSigner;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  options: PublisherOptions;
  /**
   * The script of the thread that hard-links bulk installs into the pool (default: the
   * built one beside the archive's code; tests running from the sources name dist's).
   */
  poolLinkScript?: URL;
  /** Installs of this many sources or more stage their index texts (Archive; tests: 0). */
  stagedFromSources?: number;
  /** Scratch space on disk for publishing (SegmentFile; default: the system's temp folder). */
  scratch?: string;
  /** See IndexBuilderDeps (tests: -Infinity). */
  segmentFileSlack?: number;
  /** Fresh index texts a publish holds in memory (IndexBuilderDeps; tests: 0). */
  heldTextBytes?: number;
  /** The digest thread's script (default: the built one; tests running from sources name dist's). */
  digestScript?: URL;
  /** A full garbage collection, after a big install (default: V8's). */
  collectHeap?: () => void;
  /** Installs of this many sources or more collect the heap (Archive; tests: 0). */
  collectHeapFromSources?: number;
}

/** The archive with everything it needs, built once by the composition root (or a test). */
export interface ArchiveService {
  archive: Archive;
  queries: ArchiveQueries;
  publisher: Publisher;
  pool: PoolStore;
  /** Configuration changes that respect what the archive holds (removals, reindex). */
  admin: ArchiveAdmin;
  snapshots: Snapshots;
  /**
   * Reconciles disk and database after a crash; resolves with `published`, which settles
   * once every distribution not yet published (all of them on a first start) is.
   */
  start(signal?: AbortSignal): Promise<{ published: Promise<void> }>;
  /** Publishes every configured distribution that has unpublished changes or none yet. */
  publishPending(signal?: AbortSignal): Promise<void>;
  collectGarbage(): Promise<number>;
  /** Removes pool files without a database record (a crash between copy and commit). */
  sweepPool(signal?: AbortSignal): Promise<number>;
  /** One round of scheduled snapshots, keeping the newest `keep` automatic ones per suite. */
  takeScheduledSnapshots(keep: number, signal?: AbortSignal): Promise<string[]>;
  /** Republishes every distribution of a repository whose configuration changed. */
  configurationChanged(repository: string, signal?: AbortSignal): Promise<void>;
  /** Rebuilds every index of these distributions of a repository and publishes them. */
  republish(repository: string, dists: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Re-signs distributions whose Valid-Until is less than half its period away. */
  refreshExpiring(signal?: AbortSignal): Promise<void>;
  /** Signs every distribution's Release again (the archive keys changed). */
  resignAll(signal?: AbortSignal): Promise<void>;
  /** Resolves once no publish is running. */
  idle(): Promise<void>;
}

export function createArchiveService(deps: ArchiveServiceDeps): ArchiveService {
  const { db, config, clock } = deps;
  const packages = new ArchivePackagesRepository(db);
  const index = new ArchiveIndexRepository(db);
  const pool = new PoolStore(deps.reposRoot, deps.poolLinkScript);
  const locks = new KeyedLock();
  // Asked once per package on bulk installs: remembered until the configuration changes.
  const archCache = new Map<string, readonly string[]>();
  config.onChange(() => archCache.clear());
  const architecturesOf = (dist: string) => {
    let archs = archCache.get(dist);
    if (!archs) archCache.set(dist, (archs = config.resolve(dist).distribution.architectures));
    return archs;
  };
  const writer = new ArchiveWriter({
    packages,
    index,
    formats: deps.formats,
    clock,
    architecturesOf,
  });
  const generations = new GenerationWriter((repo) => pool.repositoryRoot(repo));
  const publisher = new Publisher({
    index,
    snapshot: (fn) => db.transaction(fn).deferred(),
    builder: new IndexBuilder({
      index,
      xz: deps.xz,
      clock,
      uncompressedIndexBytes: deps.options.uncompressedIndexBytes,
      scratch: deps.scratch ?? tmpdir(),
      ...(deps.segmentFileSlack !== undefined && { segmentFileSlack: deps.segmentFileSlack }),
      ...(deps.digestScript && { digestScript: deps.digestScript }),
      ...(deps.heldTextBytes !== undefined && { heldTextBytes: deps.heldTextBytes }),
    }),
    generations,
    resolve: (dist) => config.resolve(dist),
    signer: deps.signer,
    formats: deps.formats,
    events: deps.events,
    clock,
    logger: deps.logger,
    options: deps.options,
  });
  const publish = (dists: string[], signal?: AbortSignal) => publisher.publish(dists, signal);
  const builds = new BuildsRepository(db);
  const archive = new Archive({
    config,
    migrationGate: (source, version, target) =>
      migrationRefusals(target, {
        source,
        version,
        builds: builds.testedBuildsOf(target.repository.id, source, version),
      }),
    transaction: (fn) => inTransaction(db, fn),
    packages,
    writer,
    pool,
    formats: deps.formats,
    locks,
    publish,
    ...(deps.stagedFromSources !== undefined && { stagedFromSources: deps.stagedFromSources }),
    collectHeap: deps.collectHeap ?? collectHeap,
    ...(deps.collectHeapFromSources !== undefined && {
      collectHeapFromSources: deps.collectHeapFromSources,
    }),
    events: deps.events,
    clock,
  });
  const queryRepository = new ArchiveQueryRepository(db);
  const snapshots = new Snapshots({
    config,
    store: new ArchiveSnapshotsRepository(db),
    index,
    generations,
    tree: new SnapshotTree((repo) => pool.repositoryRoot(repo)),
    publish,
    locks,
    signer: deps.signer,
    events: deps.events,
    clock,
    logger: deps.logger,
  });
  const queries = new ArchiveQueries({
    config,
    queries: queryRepository,
    packages,
    compareVersions: (a, b) => deps.formats.compareVersions(a, b),
  });

  const republish = async (repository: string, dists: readonly string[], signal?: AbortSignal) => {
    inTransaction(db, () => {
      for (const name of dists) {
        index.markChanged(name, repository, allIndexPaths(config.resolve(name).distribution));
      }
    });
    await publisher.publish(dists, signal);
  };
  const admin = new ArchiveAdmin({
    config,
    placementCounts: (repository) => queryRepository.placementCounts(repository),
    locks,
    idle: () => publisher.idle(),
    removeDist: async (repository, dist) => {
      await generations.remove(repository, dist);
      index.forgetDist(dist);
    },
    repositoryRoot: (repository) => pool.repositoryRoot(repository),
    republish,
  });

  const configured = () =>
    config.repositories().flatMap((repo) =>
      distributionNameStrings(repo, config.layout(repo.layout)).map((name) => ({
        name,
        repository: repo.id,
      })),
    );

  const publishPending = async (signal?: AbortSignal) => {
    const dists = configured();
    inTransaction(db, () => {
      for (const d of dists) {
        if (!index.dist(d.name)) {
          index.markChanged(
            d.name,
            d.repository,
            allIndexPaths(config.resolve(d.name).distribution),
          );
        }
      }
    });
    const known = new Set(dists.map((d) => d.name));
    const pending = index.unpublished().filter((d) => known.has(d.name));
    await publisher.publish(
      pending.map((d) => d.name),
      signal,
    );
  };

  return {
    archive,
    queries,
    publisher,
    pool,
    admin,
    republish,
    snapshots,
    publishPending,
    async start(signal) {
      await snapshots.cleanUp();
      for (const d of configured()) {
        try {
          await reconcileDist({ index, generations, clock }, d.repository, d.name);
        } catch (error) {
          deps.logger.warn('could not reconcile a published distribution; republishing it', {
            dist: d.name,
            error: describeError(error),
          });
          index.markChanged(
            d.name,
            d.repository,
            allIndexPaths(config.resolve(d.name).distribution),
          );
        }
      }
      return { published: publishPending(signal) };
    },
    async configurationChanged(repository, signal) {
      const dists = configured().filter((d) => d.repository === repository);
      await republish(
        repository,
        dists.map((d) => d.name),
        signal,
      );
    },
    async refreshExpiring(signal) {
      const days = deps.options.releaseValidDays;
      if (days <= 0) return;
      const soon = clock.now().getTime() + (days * 86_400_000) / 2;
      const known = new Set(configured().map((d) => d.name));
      const expiring = index
        .dists()
        .filter((d) => known.has(d.name) && (!d.validUntil || Date.parse(d.validUntil) < soon));
      for (const d of expiring) index.markChanged(d.name, d.repository, []);
      await publisher.publish(
        expiring.map((d) => d.name),
        signal,
      );
    },
    async resignAll(signal) {
      const known = new Set(configured().map((d) => d.name));
      const dists = index.dists().filter((d) => known.has(d.name));
      for (const d of dists) index.markChanged(d.name, d.repository, []);
      await publisher.publish(
        dists.map((d) => d.name),
        signal,
      );
    },
    idle: () => publisher.idle(),
    async sweepPool(signal) {
      let removed = 0;
      for (const repo of config.repositories()) {
        removed += await sweepPool({ pool, packages, locks, logger: deps.logger }, repo.id, signal);
      }
      return removed;
    },
    takeScheduledSnapshots: (keep, signal) =>
      takeScheduledSnapshots(
        { config, snapshots, index, clock, logger: deps.logger },
        keep,
        signal,
      ),
    collectGarbage: () =>
      collectPoolGarbage({
        db,
        pool,
        locks,
        clock,
        logger: deps.logger,
        graceMs: deps.options.byHashRetentionMs,
      }),
  };
}
