import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { ArchiveSnapshotsRepository } from '../../db/archive-snapshots-repository.js';
import type { SnapshotRecord } from './snapshot-records.js';
import type { EventLog } from '../../events/event-log.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ArchiveConfig } from '../archive-config.js';
import type { KeyedLock } from '../keyed-lock.js';
import type { ReleaseSigner } from '../ports.js';
import type { GenerationWriter } from '../publish/generation-writer.js';
import { snapshotReleaseText, type SnapshotTree } from './snapshot-tree.js';

export const SNAPSHOT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface SnapshotsDeps {
  config: ArchiveConfig;
  store: ArchiveSnapshotsRepository;
  index: ArchiveIndexRepository;
  generations: GenerationWriter;
  tree: SnapshotTree;
  publish: (dists: string[], signal?: AbortSignal) => Promise<void>;
  locks: KeyedLock;
  signer: ReleaseSigner;
  events: EventLog;
  clock: Clock;
  logger: Logger;
}

/**
 * Named, immutable snapshots of a distribution, served at
 * `/repos/<repo>/snapshots/<name>/` with their own signed Release. A snapshot shows the
 * distribution as published when it was taken and pins the pool files it names, so
 * neither later changes nor the pool's garbage collection alter it.
 */
export class Snapshots {
  constructor(private readonly deps: SnapshotsDeps) {}

  async create(
    input: { distribution: string; name: string; automatic?: boolean },
    signal?: AbortSignal,
  ): Promise<SnapshotRecord> {
    const { config, store, index } = this.deps;
    const dist = config.resolve(input.distribution);
    const repository = dist.repository.id;
    if (!SNAPSHOT_NAME.test(input.name)) {
      throw new InvalidInputError(
        `"${input.name}" is not a snapshot name: 1-64 lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit`,
      );
    }
    const taken = () => {
      const existing = store.find(repository, input.name);
      if (existing) {
        throw new ConflictError(
          `repository ${repository} has a snapshot ${input.name} already (of ${existing.distribution}, taken ${existing.createdAt})`,
        );
      }
    };
    taken();
    // No change commits while the snapshot is taken: what is published is what it pins.
    return this.deps.locks.with(
      [`dist:${dist.name}`],
      async () => {
        taken();
        await this.deps.publish([dist.name], signal);
        const state = index.dist(dist.name)!;
        const generation = index
          .generations(dist.name)
          .find((g) => g.generation === state.generation);
        if (!generation) throw new Error(`${dist.name} has no published generation`);
        const generationDir = path.join(
          this.deps.generations.generationsDir(repository, dist.name),
          String(state.generation),
        );
        const release = snapshotReleaseText(
          await fs.readFile(path.join(generationDir, 'Release'), 'utf8'),
          input.name,
        );
        const [inRelease, releaseGpg] = await Promise.all([
          this.deps.signer.clearSign(release, signal),
          this.deps.signer.detachSign(release, signal),
        ]);
        signal?.throwIfAborted();
        await this.deps.tree.write({
          repository,
          name: input.name,
          dist: dist.name,
          generationDir,
          files: generation.files,
          signed: { release, inRelease, releaseGpg },
        });
        const record = store.insert({
          repository,
          name: input.name,
          distribution: dist.name,
          generation: state.generation,
          revision: state.publishedRevision,
          automatic: input.automatic ?? false,
          createdAt: this.deps.clock.now().toISOString(),
        });
        this.deps.events.emit({
          type: 'SNAPSHOT',
          message: `snapshot ${input.name} of ${dist.name} taken (${record.sources} sources, ${record.binaries} binaries)`,
          distribution: dist.name,
          details: { repository, name: input.name, generation: state.generation },
        });
        return record;
      },
      signal,
    );
  }

  /** Whether a distribution holds any source now (empty ones get no scheduled snapshot). */
  holdsPackages(distribution: string): boolean {
    return this.deps.store.sourcesIn(distribution) > 0;
  }

  list(filter: { repository?: string; distribution?: string } = {}): SnapshotRecord[] {
    return this.deps.store.list(filter);
  }

  get(repository: string, name: string): SnapshotRecord {
    const record = this.deps.store.find(repository, name);
    if (!record) {
      const known = this.deps.store.list({ repository }).map((s) => s.name);
      throw new NotFoundError(
        `repository ${repository} has no snapshot ${name} (it has ${known.join(', ') || 'none'})`,
      );
    }
    return record;
  }

  /** Deletes a snapshot: its URL is gone, its pool files may be collected. */
  async delete(repository: string, name: string): Promise<SnapshotRecord> {
    const record = this.get(repository, name);
    this.deps.store.delete(record.id);
    await this.deps.tree.remove(repository, name);
    this.deps.events.emit({
      type: 'SNAPSHOT',
      message: `snapshot ${name} of ${record.distribution} deleted`,
      distribution: record.distribution,
      details: { repository, name, deleted: true },
    });
    return record;
  }

  /** Removes what a crash left: half-written folders, and folders without a record. */
  async cleanUp(): Promise<void> {
    for (const repo of this.deps.config.repositories()) {
      const { names, leftovers } = await this.deps.tree.list(repo.id);
      const known = new Set(this.deps.store.list({ repository: repo.id }).map((s) => s.name));
      for (const entry of leftovers) await this.deps.tree.removeLeftover(repo.id, entry);
      for (const name of names.filter((n) => !known.has(n))) {
        this.deps.logger.warn('removing a snapshot folder without a record', { name });
        await this.deps.tree.remove(repo.id, name);
      }
    }
  }
}
