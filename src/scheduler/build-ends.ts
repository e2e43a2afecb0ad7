import type { BuildResult } from '../builder/build-request.js';
import type { BuildEnd } from './build-records.js';

/** How a build ended, from its builder's result. */
export function endOf(result: BuildResult, now: Date, cancelReason: string | null): BuildEnd {
  const state =
    result.status === 'successful'
      ? 'BUILT'
      : result.status === 'cancelled'
        ? 'CANCELLED'
        : result.status === 'depwait'
          ? 'DEPWAIT'
          : 'FAILED';
  return {
    state,
    status: result.status,
    failStage: result.failStage,
    reason: state === 'CANCELLED' ? (cancelReason ?? 'cancelled') : result.reason,
    lintian: result.lintian,
    tests: result.tests ?? [],
    files: result.files,
    times: {
      setupMs: result.setupTimeMs,
      installMs: result.installTimeMs,
      buildMs: result.buildTimeMs,
      totalMs: result.totalTimeMs,
    },
    logDroppedBytes: result.logDroppedBytes ?? 0,
    endedAt: now,
  };
}

/** The end of a build cancelled before it ran. */
export function cancelledEnd(reason: string, now: Date): BuildEnd {
  return {
    state: 'CANCELLED',
    status: 'cancelled',
    failStage: null,
    reason,
    lintian: null,
    files: [],
    times: {},
    logDroppedBytes: 0,
    endedAt: now,
  };
}
