import type { BuildsRepository } from '../db/builds-repository.js';
import {
  FINAL_BUILD_STATES,
  type BuildEnd,
  type BuildFilter,
  type BuildRecord,
  type BuildState,
  type BuildView,
} from './build-records.js';
import { inTransaction, type Db } from '../db/database.js';
import type { UploadsRepository } from '../db/uploads-repository.js';
import type { UploadRecord } from './upload-records.js';
import type { EventLog } from '../events/event-log.js';
import type { EventInput, StoredEvent } from '../events/event.js';
import type { Clock } from '../shared/clock.js';
import { cancelledEnd } from './build-ends.js';
import type { PlannedBuild } from './build-plan.js';
import {
  buildingEvent,
  endedEvent,
  failureReasons,
  packagingEvent,
  requeuedEvent,
  testedEvents,
  uploadFailedEvent,
  wokenEvent,
} from './messages.js';

export interface QueueStoreDeps {
  db: Db;
  uploads: UploadsRepository;
  builds: BuildsRepository;
  events: EventLog;
  clock: Clock;
}

/** Where an upload went when one of its builds ended. */
export type UploadOutcome = 'BUILT' | 'FAILED' | null;

/** The states an upload passes through in the scheduler (after the incoming's ACCEPTED). */
export const UPLOAD_STATES = {
  accepted: 'ACCEPTED',
  packaging: 'PACKAGING',
  building: 'BUILDING',
  built: 'BUILT',
  installed: 'INSTALLED',
  failed: 'FAILED',
} as const;
const UNDER_BUILD = [UPLOAD_STATES.packaging, UPLOAD_STATES.building];

type Record_ = (event: EventInput) => void;

/**
 * The scheduler's durable state and its transitions. Each transition is one
 * transaction with its event (two when a build's end also ends its upload), published
 * after the commit. Transitions are conditional on the state they leave, so running one
 * twice (a retried recovery, a race with a cancel) changes nothing the second time.
 */
export class QueueStore {
  constructor(private readonly deps: QueueStoreDeps) {}

  upload(id: number): UploadRecord {
    return this.deps.uploads.get(id);
  }

  /** Other uploads of an upload's source version on their way into its repository. */
  othersInFlight(upload: UploadRecord): UploadRecord[] {
    if (!upload.repository || !upload.source || !upload.version) return [];
    return this.deps.uploads
      .inFlight(upload.repository, upload.source, upload.version)
      .filter((u) => u.id !== upload.id);
  }

  uploadsIn(state: string): UploadRecord[] {
    return this.deps.uploads.list({ state, limit: 10_000 }).reverse();
  }

  build(id: number): BuildView {
    return this.deps.builds.get(id);
  }

  queued(): BuildView[] {
    return this.deps.builds.queued();
  }

  inState(state: BuildState): BuildView[] {
    return this.deps.builds.inState(state);
  }

  list(filter: BuildFilter): BuildView[] {
    return this.deps.builds.list(filter);
  }

  counts(): Record<BuildState, number> {
    return this.deps.builds.counts();
  }

  /** The builds of the upload's latest round. */
  currentBuilds(uploadId: number): BuildRecord[] {
    return this.deps.builds.ofRound(uploadId, this.deps.builds.currentRound(uploadId));
  }

  /** An upload in one of `from` → PACKAGING, with a new round of queued builds. */
  plan(
    uploadId: number,
    from: readonly string[],
    planned: readonly PlannedBuild[],
    options: { priority: number; retriedBy: string | null },
  ): BuildRecord[] | null {
    return this.transact((record) => {
      const upload = this.deps.uploads.get(uploadId);
      if (!from.includes(upload.state)) return null;
      const now = this.deps.clock.now();
      const round = this.deps.builds.currentRound(uploadId) + 1;
      const builds = planned.map((p) =>
        this.deps.builds.insert({
          ...p,
          uploadId,
          round,
          priority: options.priority,
          queuedAt: now,
        }),
      );
      this.deps.uploads.transition(uploadId, from, UPLOAD_STATES.packaging, now, []);
      record(packagingEvent(upload, builds, options.retriedBy));
      return builds;
    });
  }

  /** An upload in one of `from` → FAILED, with its reasons and a FAILED event. */
  failUpload(uploadId: number, from: readonly string[], reasons: readonly string[]): boolean {
    return this.transact((record) => {
      const upload = this.deps.uploads.get(uploadId);
      const now = this.deps.clock.now();
      if (!this.deps.uploads.transition(uploadId, from, UPLOAD_STATES.failed, now, reasons)) {
        return false;
      }
      record(uploadFailedEvent(upload, reasons));
      return true;
    });
  }

  /** QUEUED → BUILDING on `builder`; null if the build is not queued (any more). */
  start(
    buildId: number,
    builder: string,
    paths: { logFile: string; resultDir: string },
    emulated = false,
  ): BuildView | null {
    return this.transact((record) => {
      const build = this.deps.builds.find(buildId);
      if (!build || build.state !== 'QUEUED') return null;
      const now = this.deps.clock.now();
      this.deps.builds.markStarted(buildId, { builder, emulated, startedAt: now, ...paths });
      this.deps.uploads.transition(
        build.uploadId,
        [UPLOAD_STATES.packaging],
        UPLOAD_STATES.building,
        now,
      );
      record(buildingEvent(build, builder, emulated));
      return this.deps.builds.get(buildId);
    });
  }

  /**
   * Ends a build that is in one of `from` (BUILDING, or QUEUED for a cancel before it
   * ran); when it was the last open build of its upload's round, the upload becomes
   * BUILT (every mandatory build succeeded) or FAILED. Undefined if the build was not
   * in `from`.
   */
  end(
    buildId: number,
    end: BuildEnd,
    from: readonly BuildState[] = ['BUILDING'],
  ): UploadOutcome | undefined {
    return this.transact((record) => {
      const build = this.deps.builds.get(buildId);
      if (!this.deps.builds.markEnded(buildId, end, from)) return undefined;
      for (const tested of testedEvents(build, end.tests ?? [])) record(tested);
      record(endedEvent(build, { ...end, logFile: build.logFile }));
      return this.settle(build.uploadId, build.round, record);
    });
  }

  /** BUILDING → FAILED for a build that did not run to a result of its builder. */
  fail(buildId: number, reason: string): UploadOutcome | undefined {
    return this.end(buildId, {
      state: 'FAILED',
      status: 'failed',
      failStage: null,
      reason,
      lintian: null,
      files: [],
      times: {},
      logDroppedBytes: 0,
      endedAt: this.deps.clock.now(),
    });
  }

  /** QUEUED or DEPWAIT → CANCELLED (the build is not running). */
  cancelQueued(buildId: number, reason: string): UploadOutcome | undefined {
    return this.end(buildId, cancelledEnd(reason, this.deps.clock.now()), ['QUEUED', 'DEPWAIT']);
  }

  /** DEPWAIT → QUEUED, with an event saying why it is tried again. */
  wake(buildId: number, reason: string): boolean {
    return this.transact((record) => {
      const build = this.deps.builds.get(buildId);
      if (!this.deps.builds.wake(buildId, reason)) return false;
      record(wokenEvent(build, reason));
      return true;
    });
  }

  /**
   * BUILDING → QUEUED again. `countAttempt: false` when the daemon's own stop interrupted
   * it (that start does not count against the attempt limit).
   */
  requeue(buildId: number, reason: string, countAttempt: boolean): boolean {
    return this.transact((record) => {
      const build = this.deps.builds.get(buildId);
      if (!this.deps.builds.requeue(buildId, reason, countAttempt)) return false;
      record(requeuedEvent(build, reason));
      return true;
    });
  }

  /**
   * An upload of binary packages in one of `from` → BUILT without builds: its packages
   * were built elsewhere and go straight to the install.
   */
  takeBuilt(uploadId: number, from: readonly string[]): boolean {
    return this.deps.uploads.transition(
      uploadId,
      from,
      UPLOAD_STATES.built,
      this.deps.clock.now(),
      [],
    );
  }

  /** BUILT → INSTALLED. The archive recorded the INSTALLED event with its own commit. */
  installed(uploadId: number): boolean {
    return this.deps.uploads.transition(
      uploadId,
      [UPLOAD_STATES.built],
      UPLOAD_STATES.installed,
      this.deps.clock.now(),
    );
  }

  private settle(uploadId: number, round: number, record: Record_): UploadOutcome {
    if (this.deps.builds.currentRound(uploadId) !== round) return null;
    const builds = this.deps.builds.ofRound(uploadId, round);
    if (builds.some((b) => !FINAL_BUILD_STATES.includes(b.state))) return null;
    const blocking = builds.filter((b) => b.mandatory && b.state !== 'BUILT');
    const now = this.deps.clock.now();
    if (blocking.length === 0 && builds.some((b) => b.state === 'BUILT')) {
      const moved = this.deps.uploads.transition(uploadId, UNDER_BUILD, UPLOAD_STATES.built, now);
      return moved ? 'BUILT' : null;
    }
    const reasons = failureReasons(blocking.length > 0 ? blocking : builds);
    if (!this.deps.uploads.transition(uploadId, UNDER_BUILD, UPLOAD_STATES.failed, now, reasons)) {
      return null;
    }
    record(uploadFailedEvent(this.deps.uploads.get(uploadId), reasons));
    return 'FAILED';
  }

  private transact<T>(fn: (record: Record_) => T): T {
    const stored: StoredEvent[] = [];
    const value = inTransaction(this.deps.db, () =>
      fn((event) => stored.push(this.deps.events.record(event))),
    );
    for (const event of stored) this.deps.events.publish(event);
    return value;
  }
}
