import type { BuildResult } from '../builder/build-request.js';
import type { Builder } from '../builder/builder.js';
import type { BuildEnd, BuildView } from './build-records.js';
import { cancelledEnd, endOf } from './build-ends.js';
import { describeError, RemotePeerError, UnavailableError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { BuildRequests } from './build-requests.js';
import type { QueueStore, UploadOutcome } from './queue-store.js';

export interface LaunchSignals {
  /** Aborted by a cancel; its reason names who cancelled. */
  cancel: AbortSignal;
  /** Aborted when the daemon stops: the build is queued again, not failed. */
  shutdown: AbortSignal;
}

export interface BuildLauncherDeps {
  store: QueueStore;
  requests: BuildRequests;
  clock: Clock;
  logger: Logger;
  /** Starts after which a build that keeps being interrupted fails. */
  maxAttempts: number;
}

/**
 * Runs one build on one builder and records how it ended. A build the daemon's stop
 * interrupts is queued again without counting the attempt; one its builder could not
 * run for now (a chroot being replaced, a peer gone) is queued again until its attempts
 * are used up; anything else ends it.
 */
export class BuildLauncher {
  constructor(private readonly deps: BuildLauncherDeps) {}

  /** Marks the build BUILDING on `builder`; null if it was not queued any more. */
  start(build: BuildView, builder: Builder, emulated = false): BuildView | null {
    const { logFile, resultDir } = this.deps.requests.paths(build.id);
    return this.deps.store.start(build.id, builder.name, { logFile, resultDir }, emulated);
  }

  /** Runs a started build to its end; resolves with where its upload went. */
  async run(build: BuildView, builder: Builder, signals: LaunchSignals): Promise<UploadOutcome> {
    const signal = AbortSignal.any([signals.cancel, signals.shutdown]);
    let result: BuildResult;
    try {
      const upload = this.deps.store.upload(build.uploadId);
      const request = await this.deps.requests.make(build, upload, builder.name, signal);
      signal.throwIfAborted();
      result = await builder.build(request, signal);
    } catch (error) {
      return this.notRun(build, error, signals);
    }
    if (result.status === 'cancelled' && !signals.cancel.aborted) {
      this.deps.store.requeue(build.id, 'the daemon stopped during the build', false);
      return null;
    }
    return this.end(
      build,
      endOf(
        result,
        this.deps.clock.now(),
        signals.cancel.aborted ? cancelReason(signals.cancel) : null,
      ),
    );
  }

  private notRun(build: BuildView, error: unknown, signals: LaunchSignals): UploadOutcome {
    const { store, logger, maxAttempts } = this.deps;
    const reason = describeError(error);
    if (signals.cancel.aborted) {
      return this.end(build, cancelledEnd(cancelReason(signals.cancel), this.deps.clock.now()));
    }
    if (signals.shutdown.aborted) {
      store.requeue(build.id, 'the daemon stopped before the build ran', false);
      return null;
    }
    const transient = error instanceof UnavailableError || error instanceof RemotePeerError;
    if (transient && build.attempts < maxAttempts) {
      logger.warn('build could not run; queued again', { build: build.id, reason });
      store.requeue(build.id, reason, true);
      return null;
    }
    logger.warn('build could not run', { build: build.id, reason });
    const why = transient ? `${reason} (gave up after ${maxAttempts} attempts)` : reason;
    return store.fail(build.id, why) ?? null;
  }

  private end(build: BuildView, end: BuildEnd): UploadOutcome {
    return this.deps.store.end(build.id, end) ?? null;
  }
}

function cancelReason(cancel: AbortSignal): string {
  const reason: unknown = cancel.reason;
  return typeof reason === 'string' ? reason : describeError(reason);
}
