import type { Builder } from '../builder/builder.js';
import { keyLabel } from '../chroot/chroot-paths.js';
import type { BuildFilter, BuildRecord, BuildView } from './build-records.js';
import type { UploadRecord } from './upload-records.js';
import type { EventLog } from '../events/event-log.js';
import { ConflictError, describeError, NotFoundError, UnavailableError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { BuildLauncher } from './build-launcher.js';
import type { PlannedBuild } from './build-plan.js';
import { isBinaryUpload, type Installer } from './installer.js';
import type { QueueStore } from './queue-store.js';
import { DepWaits } from './dep-waits.js';
import { recoverQueue } from './recovery.js';
import { buildsNatively, loadOf, selectBuilders, usedOn } from './selection.js';

/** Plans the builds of uploads (from the current configuration) and finds their files. */
export interface UploadPlanner {
  plan(upload: UploadRecord): PlannedBuild[];
  /** Whether the upload's folder is still there (a retry needs it). */
  filesPresent(upload: UploadRecord): boolean;
}

/** The incoming's side of a retry: a rejected upload's files go through the checks again. */
export interface RejectedUploads {
  retryRejected(upload: UploadRecord, by: string): Promise<void>;
}

export interface SchedulerDeps {
  store: QueueStore;
  /** Every builder there is now (this host, remote peers). */
  builders: () => readonly Builder[];
  launcher: BuildLauncher;
  installer: Installer;
  planner: UploadPlanner;
  logger: Logger;
  /** Minutes between retries of builds waiting for dependencies; 0: none on a timer. */
  depwaitRetryMinutes?: number;
}

export interface BuilderStatus {
  name: string;
  capacity: number;
  running: number;
  /** running / capacity */
  load: number;
  available: boolean;
  /** `codename/architecture` of its ready chroots. */
  chroots: string[];
  /** The architectures it builds natively (null: it does not say, all of them). */
  native: string[] | null;
  /** Those of `chroots` it builds under emulation (qemu-user). */
  emulated: string[];
}

export interface SchedulerOverview {
  builders: BuilderStatus[];
  queued: number;
  building: number;
  /** Running builds over the capacity of the available builders. */
  load: number;
}

/** A build as listed: its record, and for a queued one why it waits. */
export interface BuildInfo extends BuildView {
  waiting: string | null;
}

export interface RetryResult {
  upload: number;
  /**
   * PACKAGING for a failed upload; RETRIED for a rejected one (checked again); QUEUED
   * for one whose builds waited for build dependencies; BUILT for a failed binary upload
   * (installed again, not built).
   */
  state: string;
  builds: BuildRecord[];
}

interface Running {
  builder: Builder;
  cancel: AbortController;
  done: Promise<void>;
}

const TICK_MS = 5000;

/**
 * The build queue at work: accepted uploads are planned into builds, queued builds are
 * started on the least loaded builder with a free slot and a ready chroot, built
 * uploads are installed. Wakes on ACCEPTED, CHROOT and PEER events, when a build ends,
 * and every few seconds (builders may come and go).
 */
export class Scheduler {
  private readonly running = new Map<number, Running>();
  private waiting = new Map<number, string>();
  private shutdown: AbortSignal = new AbortController().signal;
  private rejected: RejectedUploads | undefined;
  private unsubscribe: (() => void) | undefined;
  private depWaits: DepWaits | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dispatchQueued = false;
  private stopped = true;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Where retries of rejected uploads go (the incoming); set by the composition root. */
  handleRejected(rejected: RejectedUploads): void {
    this.rejected = rejected;
  }

  /** Recovers the queue (see recovery.ts) and starts dispatching. */
  start(options: {
    shutdown: AbortSignal;
    events: Pick<EventLog, 'subscribe'>;
    maxAttempts: number;
  }): void {
    const { shutdown, events, maxAttempts } = options;
    this.shutdown = shutdown;
    this.stopped = false;
    recoverQueue({
      store: this.deps.store,
      maxAttempts,
      accept: (id) => this.accept(id),
      install: (id) => this.deps.installer.enqueue(id, shutdown),
      cleanUp: (upload) => this.deps.installer.cleanUp(upload.id, upload.spoolPath),
      logger: this.deps.logger,
    });
    this.unsubscribe = events.subscribe(
      (event) => {
        if (event.type === 'ACCEPTED' && event.uploadId !== null) {
          const id = event.uploadId;
          setImmediate(() => this.accept(id));
        } else this.schedule();
      },
      { types: ['ACCEPTED', 'CHROOT', 'PEER'] },
    );
    this.depWaits = new DepWaits({
      store: this.deps.store,
      events,
      schedule: () => this.schedule(),
      logger: this.deps.logger,
      retryMinutes: this.deps.depwaitRetryMinutes ?? 0,
    });
    this.depWaits.start();
    this.timer = setInterval(() => this.schedule(), TICK_MS);
    this.timer.unref();
    this.schedule();
  }

  /** Waits for running builds (the shutdown signal stops them) and installs to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.depWaits?.stop();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.deps.installer.idle();
  }

  overview(): SchedulerOverview {
    const counts = this.deps.store.counts();
    const builders = this.deps.builders().map((b) => {
      const running = usedOn(b, (name) => this.runningOn(name));
      return {
        name: b.name,
        capacity: b.capacity(),
        running,
        load: loadOf(running, b.capacity()),
        available: b.available(),
        chroots: b.readyChroots().map(keyLabel),
        native: b.nativeArchitectures ? [...b.nativeArchitectures()] : null,
        emulated: b
          .readyChroots()
          .filter((key) => !buildsNatively(b, key.architecture))
          .map(keyLabel),
      };
    });
    const up = builders.filter((b) => b.available);
    const capacity = up.reduce((sum, b) => sum + b.capacity, 0);
    const running = up.reduce((sum, b) => sum + b.running, 0);
    return {
      builders,
      queued: counts.QUEUED,
      building: counts.BUILDING,
      load: loadOf(running, capacity),
    };
  }

  list(filter: BuildFilter): BuildInfo[] {
    return this.deps.store.list(filter).map((b) => ({
      ...b,
      waiting: b.state === 'QUEUED' ? (this.waiting.get(b.id) ?? null) : null,
    }));
  }

  build(id: number): BuildInfo {
    const b = this.deps.store.build(id);
    return { ...b, waiting: b.state === 'QUEUED' ? (this.waiting.get(b.id) ?? null) : null };
  }

  /** Cancels a queued or running build; resolves with its record once it has ended. */
  async cancel(buildId: number, by: string): Promise<BuildInfo> {
    const build = this.deps.store.build(buildId);
    const reason = `cancelled by ${by}`;
    if (build.state === 'QUEUED' || build.state === 'DEPWAIT') {
      if (this.deps.store.cancelQueued(buildId, reason) !== undefined) {
        this.schedule();
        return this.build(buildId);
      }
      return this.cancel(buildId, by); // it just started: cancel the running build
    }
    const running = this.running.get(buildId);
    if (build.state === 'BUILDING' && running) {
      running.cancel.abort(reason);
      await running.done;
      return this.build(buildId);
    }
    throw new ConflictError(
      `build ${buildId} (${build.source} ${build.version} for ${build.architecture}) is ${build.state}; only queued, waiting or running builds can be cancelled`,
    );
  }

  /** Cancels every queued or running build of an upload's latest round. */
  async cancelUpload(uploadId: number, by: string): Promise<BuildInfo[]> {
    const open = this.deps.store
      .currentBuilds(uploadId)
      .filter((b) => b.state === 'QUEUED' || b.state === 'DEPWAIT' || b.state === 'BUILDING')
      .sort((a, b) => (a.state === 'BUILDING' ? 0 : -1) - (b.state === 'BUILDING' ? 0 : -1));
    if (open.length === 0) {
      const upload = this.deps.store.upload(uploadId);
      throw new ConflictError(
        `upload ${uploadId} (${upload.source ?? upload.changesFile} ${upload.version ?? ''}) has no queued or running build (it is ${upload.state})`,
      );
    }
    const ended: BuildInfo[] = [];
    for (const b of open) ended.push(await this.cancel(b.id, by));
    return ended;
  }

  /**
   * Builds a FAILED upload again from its files (a new round of builds), hands a
   * REJECTED one back to the incoming's checks, or tries the builds of an upload that
   * wait for their build dependencies (DEPWAIT) again now.
   */
  async retry(uploadId: number, by: string, priority = 0): Promise<RetryResult> {
    const upload = this.deps.store.upload(uploadId);
    const what = `upload ${uploadId} (${upload.source ?? upload.changesFile}${upload.version ? ` ${upload.version}` : ''})`;
    if (upload.state === 'REJECTED') {
      if (!this.rejected)
        throw new UnavailableError('the incoming is not running; try again later');
      await this.rejected.retryRejected(upload, by);
      return { upload: uploadId, state: 'RETRIED', builds: [] };
    }
    const waiting = this.deps.store.list({ states: ['DEPWAIT'], uploadId });
    if (waiting.length > 0) return this.wakeWaiting(uploadId, waiting, by);
    if (upload.state !== 'FAILED') {
      throw new ConflictError(
        `${what} is ${upload.state} and none of its builds waits for build dependencies; only FAILED, REJECTED or waiting uploads can be retried`,
      );
    }
    // Once it failed, its version could be uploaded again: one of them is built.
    const other = this.deps.store.othersInFlight(upload)[0];
    if (other) {
      throw new ConflictError(
        `${what} is not built again: upload ${other.id} of the same version is ${other.state}`,
      );
    }
    if (!this.deps.planner.filesPresent(upload)) {
      throw new NotFoundError(
        `the files of ${what} are gone (${upload.spoolPath}); upload it again`,
      );
    }
    if (isBinaryUpload(upload)) return this.installAgain(upload, what);
    const planned = this.deps.planner.plan(upload);
    const builds = this.deps.store.plan(uploadId, ['FAILED'], planned, { priority, retriedBy: by });
    if (!builds) throw new ConflictError(`${what} changed meanwhile; look at it again`);
    this.schedule();
    return { upload: uploadId, state: 'PACKAGING', builds };
  }

  /** A failed binary upload is not built: its install is tried again. */
  private installAgain(upload: UploadRecord, what: string): RetryResult {
    if (!this.deps.store.takeBuilt(upload.id, ['FAILED'])) {
      throw new ConflictError(`${what} changed meanwhile; look at it again`);
    }
    this.deps.installer.enqueue(upload.id, this.shutdown);
    return { upload: upload.id, state: 'BUILT', builds: [] };
  }

  /** DEPWAIT → QUEUED for the given builds of one upload, by hand. */
  private wakeWaiting(uploadId: number, waiting: BuildView[], by: string): RetryResult {
    const woken = waiting.filter((b) => this.deps.store.wake(b.id, `retried by ${by}`));
    if (woken.length === 0) {
      throw new ConflictError(`upload ${uploadId} changed meanwhile; look at it again`);
    }
    this.schedule();
    return {
      upload: uploadId,
      state: 'QUEUED',
      builds: woken.map((b) => this.deps.store.build(b.id)),
    };
  }

  /** Plans an ACCEPTED upload's builds (or fails it when it cannot be built at all). */
  private accept(uploadId: number): void {
    if (this.stopped) return;
    const { store, planner, logger } = this.deps;
    let upload: UploadRecord;
    try {
      upload = store.upload(uploadId);
    } catch (error) {
      // An ACCEPTED event of no upload (its record gone) plans nothing.
      if (error instanceof NotFoundError) return;
      throw error;
    }
    if (upload.state !== 'ACCEPTED') return;
    if (isBinaryUpload(upload)) {
      // Built elsewhere: straight to the install (a crash before it: BUILT is installed at start).
      if (store.takeBuilt(uploadId, ['ACCEPTED'])) {
        this.deps.installer.enqueue(uploadId, this.shutdown);
      }
      return;
    }
    let planned: PlannedBuild[];
    try {
      planned = planner.plan(upload);
    } catch (error) {
      logger.warn('cannot plan the builds of an upload', { upload: uploadId, err: error });
      store.failUpload(uploadId, ['ACCEPTED'], [describeError(error)]);
      return;
    }
    store.plan(uploadId, ['ACCEPTED'], planned, { priority: 0, retriedBy: null });
    this.schedule();
  }

  private schedule(): void {
    if (this.dispatchQueued || this.stopped) return;
    this.dispatchQueued = true;
    setImmediate(() => {
      this.dispatchQueued = false;
      try {
        this.dispatch();
      } catch (error) {
        this.deps.logger.error('dispatching builds failed', { err: error });
      }
    });
  }

  private dispatch(): void {
    if (this.stopped || this.shutdown.aborted) return;
    const { starts, waiting } = selectBuilders(
      this.deps.store.queued(),
      this.deps.builders(),
      (name) => this.runningOn(name),
    );
    this.waiting = waiting;
    for (const { build, builder, emulated } of starts) this.launch(build, builder, emulated);
  }

  private launch(queued: BuildView, builder: Builder, emulated: boolean): void {
    const build = this.deps.launcher.start(queued, builder, emulated);
    if (!build) return;
    const cancel = new AbortController();
    const done = this.deps.launcher
      .run(build, builder, { cancel: cancel.signal, shutdown: this.shutdown })
      .then((outcome) => {
        if (outcome === 'BUILT') this.deps.installer.enqueue(build.uploadId, this.shutdown);
      })
      .catch((error: unknown) => {
        this.deps.logger.error('recording the end of a build failed', {
          build: build.id,
          err: error,
        });
      })
      .finally(() => {
        this.running.delete(build.id);
        this.schedule();
      });
    this.running.set(build.id, { builder, cancel, done });
  }

  /** The builds this scheduler runs on a builder now (counted from their assignment). */
  runningOn(builder: string): number {
    let n = 0;
    for (const r of this.running.values()) if (r.builder.name === builder) n++;
    return n;
  }
}
