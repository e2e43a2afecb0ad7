import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { GenerationRecord, PublishedFile } from './index-records.js';
import type { EventLog } from '../../events/event-log.js';
import type { Clock } from '../../shared/clock.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ResolvedDistribution } from '../archive-config.js';
import { allIndexPaths } from '../changes/touched.js';
import type { ArchiveFormats, ReleaseSigner } from '../ports.js';
import { IndexListings } from './index-listings.js';
import type { GenerationWriter, StagedGeneration } from './generation-writer.js';
import type { BuiltFile, IndexBuilder } from './index-builder.js';
import { nextReleaseDate, releaseDate, releaseOptions } from './release-fields.js';
import { publishedEvent, type PublishedDist } from './published-event.js';
import type { IndexKind } from './segments.js';
import { Slots } from '../map-limited.js';

export interface PublisherOptions {
  identity: string;
  byHashRetentionMs: number;
  releaseValidDays: number;
  /** Packages and Sources larger than this are not published uncompressed (0: none is). */
  uncompressedIndexBytes: number;
}

export interface PublisherDeps {
  index: ArchiveIndexRepository;
  /** Runs `fn` in one read transaction (a consistent snapshot). */
  snapshot: <T>(fn: () => T) => T;
  builder: IndexBuilder;
  generations: GenerationWriter;
  resolve: (dist: string) => ResolvedDistribution;
  signer: ReleaseSigner;
  formats: Pick<ArchiveFormats, 'releaseFile'>;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  options: PublisherOptions;
}

/** Older generations whose by-hash files are kept regardless of their age. */
const KEEP_GENERATIONS = 2;

/**
 * Publishes distributions: one publisher per distribution at a time; requests that arrive
 * while one runs are folded into the next run, so a burst of changes costs one publish.
 */
export class Publisher {
  private readonly queues = new Map<
    string,
    { running?: Promise<PublishedDist | null>; next?: Promise<PublishedDist | null> }
  >();
  /** The publish() calls under way (idle() waits for their events too). */
  private readonly operations = new Set<Promise<void>>();
  /** Publishes of different distributions run in parallel, this many at a time. */
  private readonly slots = new Slots(2);
  private readonly listings: IndexListings;

  constructor(private readonly deps: PublisherDeps) {
    this.listings = new IndexListings(deps.index);
  }

  /**
   * Publishes the distributions; resolves once a publish that includes every change so far
   * is done. One PUBLISHED event per repository names every distribution this call (or a
   * call it was folded into) published.
   */
  publish(dists: Iterable<string>, signal?: AbortSignal): Promise<void> {
    const operation = this.publishAndReport([...new Set(dists)], signal);
    this.operations.add(operation);
    return operation.finally(() => this.operations.delete(operation));
  }

  private async publishAndReport(dists: readonly string[], signal?: AbortSignal): Promise<void> {
    const started = this.deps.clock.monotonicMs();
    const outcomes = await Promise.allSettled(dists.map((d) => this.request(d, signal)));
    const runs: PublishedDist[] = [];
    for (const outcome of outcomes) {
      if (outcome.status !== 'fulfilled' || !outcome.value || outcome.value.reported) continue;
      outcome.value.reported = true;
      runs.push(outcome.value);
    }
    this.report(runs, (this.deps.clock.monotonicMs() - started) / 1000);
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Resolves once every publish requested so far has finished (successfully or not). */
  async idle(): Promise<void> {
    const pending = [...this.queues.values()].flatMap((q) => [q.running, q.next]);
    await Promise.allSettled([...pending, ...this.operations]);
  }

  private request(dist: string, signal?: AbortSignal): Promise<PublishedDist | null> {
    let queue = this.queues.get(dist);
    if (!queue) this.queues.set(dist, (queue = {}));
    if (queue.next) return queue.next;
    const q = queue;
    const next = (q.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        q.next = undefined;
        q.running = this.slots
          .run(() => this.publishOne(dist, signal))
          .finally(() => {
            if (!q.next) this.queues.delete(dist);
            q.running = undefined;
          });
        return q.running;
      });
    q.next = next;
    return next;
  }

  private async publishOne(dist: string, signal?: AbortSignal): Promise<PublishedDist | null> {
    const { index, clock } = this.deps;
    signal?.throwIfAborted();
    const started = clock.monotonicMs();
    const resolved = this.deps.resolve(dist);
    const repository = resolved.repository.id;
    index.ensureDist(dist, repository);
    const state = index.dist(dist)!;
    const onDisk = await this.deps.generations.current(repository, dist);
    if (state.revision === state.publishedRevision && onDisk === state.generation) return null;

    const generations = index.generations(dist);
    const previous = generations.find((g) => g.generation === state.generation && onDisk !== null);
    const all = allIndexPaths(resolved.distribution);
    const { builder } = this.deps;
    const { revision, dirty, plans, listing } = this.deps.snapshot(() => {
      const current = index.dist(dist)!;
      // The listings this process kept serve only a publish over the generation it wrote.
      const listing = this.listings.begin(dist, previous ? current.publishedRevision : -1);
      const dirtySet = new Set(index.dirtyIndices(dist));
      const rebuild = all.filter((p) => !previous || dirtySet.has(p) || !hasIndex(previous, p));
      return {
        revision: current.revision,
        listing,
        dirty: rebuild,
        plans: rebuild.map((p) => builder.plan(kindOf(p), p, `${dist}/${p}`, listing.entries(p))),
      };
    });
    // All indices at once: their segments compress on the thread pool side by side.
    const built = (await Promise.all(plans.map((plan) => builder.build(plan, signal)))).flat();
    const generation = Math.max(state.generation, onDisk ?? 0) + 1;
    // The changed files are written on the thread pool while this thread hashes them.
    const staged = this.deps.generations.stage(repository, dist, generation, built);
    const { files, date, validUntil, retired, now } = await this.writeGeneration(
      { dist, resolved, generation, staged, built, previous, all, dirty, revision },
      state.releaseDate,
      generations,
      signal,
    ).catch(async (error: unknown) => {
      await this.deps.generations.discard(staged);
      throw error;
    });
    index.recordPublished({
      dist,
      generation,
      revision,
      releaseDate: releaseDate(date),
      validUntil: validUntil && releaseDate(validUntil),
      files,
      retired,
      now,
    });
    listing.done(revision);
    index.forgetRetired(dist, generation - 50);
    await this.deps.generations.prune(repository, dist, generation).catch((error) =>
      this.deps.logger.warn('could not remove old generation folders', {
        dist,
        error: describeError(error),
      }),
    );
    return {
      dist,
      repository,
      generation,
      revision,
      rebuilt: dirty,
      indices: all.length,
      seconds: (clock.monotonicMs() - started) / 1000,
      reported: false,
    };
  }

  /** Hashes the staged files, signs their Release and writes the generation. */
  private async writeGeneration(
    run: {
      dist: string;
      resolved: ResolvedDistribution;
      generation: number;
      staged: StagedGeneration;
      built: readonly BuiltFile[];
      previous: GenerationRecord | undefined;
      all: readonly string[];
      dirty: readonly string[];
      revision: number;
    },
    lastReleaseDate: string | null,
    generations: readonly GenerationRecord[],
    signal?: AbortSignal,
  ) {
    const { dist, resolved, generation, revision } = run;
    const files = await currentFiles(run.all, run.dirty, run.built, run.previous);
    const now = this.deps.clock.now();
    const date = nextReleaseDate(now, lastReleaseDate);
    const validDays = this.deps.options.releaseValidDays;
    const validUntil = validDays > 0 ? new Date(date.getTime() + validDays * 86_400_000) : null;
    const release = this.deps.formats.releaseFile({
      ...releaseOptions({ identity: this.deps.options.identity, dist: resolved, date, validUntil }),
      files: files.map((f) => ({
        path: f.path,
        hashes: { size: f.size, sha256: f.sha256 },
      })),
    });
    const [inRelease, releaseGpg] = await Promise.all([
      this.deps.signer.clearSign(release, signal),
      this.deps.signer.detachSign(release, signal),
    ]);
    signal?.throwIfAborted();
    const { retained, retired } = this.retention(generations, now);
    await this.deps.generations.write({
      repository: resolved.repository.id,
      dist,
      generation,
      staged: run.staged,
      files,
      retained,
      release,
      inRelease,
      releaseGpg,
      date,
      meta: { generation, revision, date: releaseDate(date) },
    });
    return { files, date, validUntil, retired, now };
  }

  /** One PUBLISHED event per repository for the distributions a publish() call published. */
  private report(runs: readonly PublishedDist[], seconds: number): void {
    const byRepository = new Map<string, PublishedDist[]>();
    for (const run of runs) {
      byRepository.set(run.repository, [...(byRepository.get(run.repository) ?? []), run]);
    }
    for (const [repository, list] of byRepository) {
      list.sort((a, b) => (a.dist < b.dist ? -1 : a.dist > b.dist ? 1 : 0));
      this.deps.events.emit(publishedEvent(repository, list, seconds));
    }
  }

  /** By-hash files of older generations still served, and generations to retire now. */
  private retention(generations: readonly GenerationRecord[], now: Date) {
    const live = generations.filter((g) => g.retiredAt === null);
    const cutoff = now.getTime() - this.deps.options.byHashRetentionMs;
    const keep = live.filter(
      (g, i) => i >= live.length - KEEP_GENERATIONS || Date.parse(g.publishedAt) >= cutoff,
    );
    const retained = keep.flatMap((g) => g.files);
    const retired = live.filter((g) => !keep.includes(g)).map((g) => g.generation);
    return { retained, retired };
  }
}

function kindOf(basePath: string): IndexKind {
  if (basePath.endsWith('/Sources')) return 'sources';
  if (basePath.endsWith('/Packages')) return 'packages';
  return 'contents';
}

function hasIndex(generation: GenerationRecord, basePath: string): boolean {
  return generation.files.some((f) => isFileOf(f.path, basePath));
}

async function currentFiles(
  all: readonly string[],
  rebuilt: readonly string[],
  built: readonly BuiltFile[],
  previous: GenerationRecord | undefined,
): Promise<PublishedFile[]> {
  const files: PublishedFile[] = await Promise.all(
    built.map(async ({ path, size, unserved, sha256 }) => ({
      path,
      size,
      sha256: await sha256(),
      ...(unserved && { unserved }),
    })),
  );
  for (const basePath of all) {
    if (rebuilt.includes(basePath)) continue;
    files.push(...previous!.files.filter((f) => isFileOf(f.path, basePath)));
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function isFileOf(file: string, basePath: string): boolean {
  return file === basePath || file === `${basePath}.gz` || file === `${basePath}.xz`;
}
