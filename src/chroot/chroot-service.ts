import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ChrootRecord } from './chroot-records.js';
import {
  ConflictError,
  describeError,
  InvalidInputError,
  UnavailableError,
} from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { BaseLeases } from './base-leases.js';
import type { BaseOperations, Progress } from './base-operations.js';
import type { ChrootCatalog } from './chroot-catalog.js';
import { keyLabel, type ChrootKey, type ChrootPaths } from './chroot-paths.js';
import type { ChrootState } from './chroot-state.js';

/** A chroot as listed: its record plus the builds running on it. */
export interface ChrootInfo extends ChrootRecord {
  runningBuilds: number;
  logFile: string;
}

/** A running build's hold on the base generation it started on. */
export interface BaseLease extends ChrootKey {
  generation: number;
  tree: string;
  /** The apt cache shared by the builds of this base. */
  aptCache: string;
  release(): void;
}

export interface ChrootServiceDeps {
  state: ChrootState;
  operations: BaseOperations;
  catalog: ChrootCatalog;
  paths: ChrootPaths;
  logger: Logger;
}

type Operation = { controller: AbortController; done: Promise<ChrootInfo> };

/**
 * Creates, updates, removes and lends out base chroots. Creating and updating run in
 * the background (one operation per chroot at a time); builds take a lease on the
 * generation they start on, so an update never changes a base under a running build.
 */
export class ChrootService {
  private readonly running = new Map<string, Operation>();
  private readonly leases: BaseLeases;

  constructor(private readonly deps: ChrootServiceDeps) {
    this.leases = new BaseLeases((tree) => {
      deps.operations.removeGeneration(tree).catch((error: unknown) => {
        deps.logger.error('removing an old base chroot failed', { tree, err: error });
      });
    });
  }

  list(): ChrootInfo[] {
    return this.deps.state.list().map((record) => this.info(record));
  }

  get(key: ChrootKey): ChrootInfo {
    return this.info(this.deps.state.get(key));
  }

  /**
   * Starts creating a chroot (or re-creating a broken one); `done` resolves at the end.
   * With `from`, the base is a copy of that existing tree instead of a new mmdebstrap.
   */
  create(
    key: ChrootKey,
    signal?: AbortSignal,
    options: { from?: string } = {},
  ): { chroot: ChrootInfo; done: Promise<ChrootInfo> } {
    const resolved = this.deps.catalog.resolve(key);
    const { from } = options;
    if (from !== undefined && !(path.isAbsolute(from) && existsSync(from))) {
      throw new InvalidInputError(
        `cannot copy a base from ${from}: it must be the absolute path of an existing folder on the daemon's host`,
      );
    }
    this.assertIdle(key);
    const existing = this.deps.state.find(key);
    if (existing && existing.state !== 'broken') {
      throw new ConflictError(`chroot ${keyLabel(key)} already exists (${existing.state})`);
    }
    const generation = (existing?.generation ?? 0) + 1;
    const record = this.deps.state.startCreating(
      key,
      `creating chroot ${keyLabel(key)}${from ? ` from ${from}` : ''}`,
    );
    const done = this.track(key, signal, async (progress, opSignal) => {
      const tree = from
        ? await this.deps.operations.seed(key, generation, from, progress, opSignal)
        : await this.deps.operations.create(key, generation, resolved, progress, opSignal);
      return { generation, tree };
    });
    return { chroot: this.info(record), done };
  }

  /** Starts updating a ready chroot into a new generation. */
  update(key: ChrootKey, signal?: AbortSignal): { chroot: ChrootInfo; done: Promise<ChrootInfo> } {
    this.assertIdle(key);
    const record = this.deps.state.get(key);
    if (record.state !== 'ready') {
      throw new ConflictError(
        `chroot ${keyLabel(key)} is ${record.state}; only a ready chroot can be updated${record.state === 'broken' ? ' (create it again)' : ''}`,
      );
    }
    const from = record.generation;
    const changed = this.deps.state.change(
      record.id,
      { state: 'updating', progress: 'starting', lastError: null },
      `updating chroot ${keyLabel(key)}`,
    );
    const done = this.track(key, signal, async (progress, opSignal) => {
      const tree = await this.deps.operations.update(key, from, from + 1, progress, opSignal);
      return { generation: from + 1, tree, previous: this.deps.paths.generation(key, from) };
    });
    return { chroot: this.info(changed), done };
  }

  /** Removes a chroot that no operation and no build uses. */
  async remove(key: ChrootKey): Promise<void> {
    this.assertIdle(key);
    const record = this.deps.state.get(key);
    const builds = this.leases.inUse(this.deps.paths.baseDir(key));
    if (builds > 0) {
      throw new ConflictError(
        `chroot ${keyLabel(key)} is used by ${builds} running build(s); wait for them or cancel them`,
      );
    }
    this.deps.state.remove(record, `removed chroot ${keyLabel(key)}`);
    await this.deps.operations.remove(this.deps.paths.baseDir(key));
  }

  /** Lends the current generation of a ready (or updating) chroot to a build. */
  acquire(key: ChrootKey): BaseLease {
    const record = this.deps.state.get(key);
    if (record.generation === 0 || record.state === 'creating' || record.state === 'broken') {
      const why =
        record.state === 'broken'
          ? `is broken (${record.lastError ?? 'unknown error'}); create it again`
          : 'is still being created; try again when it is ready';
      throw new UnavailableError(`chroot ${keyLabel(key)} ${why}`);
    }
    const tree = this.deps.paths.generation(key, record.generation);
    return {
      ...key,
      generation: record.generation,
      tree,
      aptCache: this.deps.paths.aptCache(key),
      release: this.leases.take(tree),
    };
  }

  /**
   * Creates a chroot unless it exists: the daemon does this for the default chroot.
   * A broken one is created again. Returns the running creation, or null.
   */
  ensure(key: ChrootKey, signal?: AbortSignal): Promise<ChrootInfo> | null {
    const existing = this.deps.state.find(key);
    if (this.running.has(keyLabel(key))) return null;
    if (existing && existing.state !== 'broken') return null;
    return this.create(key, signal).done;
  }

  /**
   * Updates, one after the other, every ready chroot whose base is older than
   * `intervalMs`. Resolves when they are done.
   */
  async updateDue(intervalMs: number, signal?: AbortSignal): Promise<void> {
    const now = this.deps.state.now().getTime();
    const due = this.deps.state
      .list()
      .filter(
        (r) => r.state === 'ready' && now - Date.parse(r.updatedAt ?? r.createdAt) >= intervalMs,
      );
    for (const record of due) {
      if (signal?.aborted) return;
      if (this.running.has(keyLabel(record))) continue;
      try {
        await this.update(record, signal).done;
      } catch (error) {
        this.deps.logger.warn('scheduled chroot update not started', {
          chroot: keyLabel(record),
          reason: describeError(error),
        });
      }
    }
  }

  /** Resolves when the running operation on a chroot (if any) has ended. */
  async idle(key: ChrootKey): Promise<void> {
    await this.running.get(keyLabel(key))?.done.catch(() => {});
  }

  /** Aborts every running operation and waits for them to record how they ended. */
  async stop(): Promise<void> {
    const operations = [...this.running.values()];
    for (const op of operations) op.controller.abort(new Error('daemon stopping'));
    await Promise.allSettled(operations.map((op) => op.done));
  }

  private assertIdle(key: ChrootKey): void {
    if (this.running.has(keyLabel(key))) {
      throw new ConflictError(
        `chroot ${keyLabel(key)} is being ${this.deps.state.find(key)?.state === 'updating' ? 'updated' : 'created'}; wait until it is done`,
      );
    }
  }

  private info(record: ChrootRecord): ChrootInfo {
    return {
      ...record,
      runningBuilds: this.leases.inUse(this.deps.paths.baseDir(record)),
      logFile: this.deps.paths.log(record),
    };
  }

  private track(
    key: ChrootKey,
    signal: AbortSignal | undefined,
    work: (
      progress: Progress,
      signal: AbortSignal,
    ) => Promise<{ generation: number; tree: string; previous?: string }>,
  ): Promise<ChrootInfo> {
    const controller = new AbortController();
    const opSignal = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    const progress = this.progress(key);
    const done = (async () => {
      try {
        const made = await work(progress, opSignal);
        const sizeBytes = await this.deps.operations.size(made.tree);
        const record = this.deps.state.get(key);
        const ready = this.deps.state.change(
          record.id,
          {
            state: 'ready',
            generation: made.generation,
            progress: null,
            sizeBytes,
            updatedAt: this.deps.state.now().toISOString(),
            lastError: null,
          },
          `chroot ${keyLabel(key)} is ready (generation ${made.generation}, ${formatSize(sizeBytes)})`,
        );
        progress.line(`done: generation ${made.generation}, ${formatSize(sizeBytes)}`);
        this.deps.logger.info(`chroot ${keyLabel(key)} is ready`, { generation: made.generation });
        if (made.previous) this.leases.retire(made.previous);
        return this.info(ready);
      } catch (error) {
        return this.failed(key, error, progress);
      } finally {
        this.running.delete(keyLabel(key));
      }
    })();
    this.running.set(keyLabel(key), { controller, done });
    return done;
  }

  /** A failed create leaves the chroot broken; a failed update leaves the old base ready. */
  private failed(key: ChrootKey, error: unknown, progress: Progress): ChrootInfo {
    const reason = describeError(error);
    progress.line(`failed: ${reason}`);
    const record = this.deps.state.get(key);
    const creating = record.state === 'creating';
    const changed = this.deps.state.change(
      record.id,
      { state: creating ? 'broken' : 'ready', progress: null, lastError: reason },
      `${creating ? 'creating' : 'updating'} chroot ${keyLabel(key)} failed: ${reason.split('\n')[0]}`,
    );
    this.deps.logger.warn('chroot operation failed', { chroot: keyLabel(key), reason });
    return this.info(changed);
  }

  /** Phases go to the record and the event log, every line to the chroot's log file. */
  private progress(key: ChrootKey): Progress {
    const logFile = this.deps.paths.log(key);
    mkdirSync(path.dirname(logFile), { recursive: true });
    const write = (text: string) => appendFileSync(logFile, `${text}\n`);
    write(`--- ${this.deps.state.now().toISOString()} ${keyLabel(key)}`);
    return {
      line: write,
      phase: (text) => {
        write(`>>> ${text}`);
        this.deps.logger.info(`chroot ${keyLabel(key)}: ${text}`);
        const record = this.deps.state.find(key);
        if (record)
          this.deps.state.change(record.id, { progress: text }, `chroot ${keyLabel(key)}: ${text}`);
      },
    };
  }

  /** Whether a chroot's current base tree is on disk. */
  treeExists(record: ChrootRecord): boolean {
    return (
      record.generation > 0 && existsSync(this.deps.paths.generation(record, record.generation))
    );
  }
}

export function formatSize(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Math.round(mib)} MiB`;
}
