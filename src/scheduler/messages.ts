import type { BuildRecord, BuildView, StoredTestResult } from './build-records.js';
import type { UploadRecord } from './upload-records.js';
import type { EventInput } from '../events/event.js';

/** The events of the scheduler's transitions, worded for packagers. */

type Upload = Pick<UploadRecord, 'id' | 'source' | 'version' | 'distribution'>;

const pkg = (u: Pick<UploadRecord, 'source' | 'version'>) => `${u.source} ${u.version}`;

const arch = (b: Pick<BuildRecord, 'architecture' | 'archAll'>) =>
  b.archAll ? `${b.architecture} (+all)` : b.architecture;

function base(upload: Upload): Omit<EventInput, 'type' | 'message'> {
  return {
    source: upload.source,
    version: upload.version,
    distribution: upload.distribution,
    uploadId: upload.id,
  };
}

export function packagingEvent(
  upload: Upload,
  builds: readonly BuildRecord[],
  retriedBy: string | null,
): EventInput {
  const list = builds.map((b) => `${arch(b)}${b.mandatory ? '' : ' (optional)'}`).join(', ');
  return {
    ...base(upload),
    type: 'PACKAGING',
    message: `${retriedBy ? `retry by ${retriedBy}: ` : ''}${pkg(upload)} for ${upload.distribution}: queued builds for ${list}`,
    details: {
      round: builds[0]?.round ?? 1,
      builds: builds.map((b) => ({
        id: b.id,
        architecture: b.architecture,
        archAll: b.archAll,
        mandatory: b.mandatory,
      })),
      ...(retriedBy ? { retriedBy } : {}),
    },
  };
}

export function requeuedEvent(build: BuildView, reason: string): EventInput {
  return {
    ...buildBase(build),
    type: 'PACKAGING',
    message: `build ${build.id} of ${pkg(build)} for ${arch(build)} queued again: ${reason}`,
    details: { requeued: true, reason, attempts: build.attempts },
  };
}

export function wokenEvent(build: BuildView, reason: string): EventInput {
  return {
    ...buildBase(build),
    type: 'PACKAGING',
    message: `build ${build.id} of ${pkg(build)} for ${arch(build)} tried again: ${reason}`,
    details: { requeued: true, depwait: true, reason },
  };
}

export function buildingEvent(build: BuildView, builder: string, emulated = false): EventInput {
  const attempt = build.attempts + 1;
  return {
    ...buildBase(build),
    type: 'BUILDING',
    message: `building ${pkg(build)} for ${arch(build)} on ${builder}${emulated ? ' (emulated)' : ''}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
    details: { builder, emulated, attempt, queuedAt: build.queuedAt },
  };
}

export function endedEvent(
  build: BuildView,
  end: Pick<
    BuildRecord,
    'state' | 'reason' | 'failStage' | 'lintian' | 'times' | 'status' | 'logFile'
  >,
): EventInput {
  const details = {
    builder: build.builder,
    status: end.status,
    failStage: end.failStage,
    lintian: end.lintian,
    times: end.times,
    logFile: end.logFile,
  };
  if (end.state === 'BUILT') {
    const seconds = Math.round((end.times.totalMs ?? 0) / 1000);
    return {
      ...buildBase(build),
      type: 'BUILT',
      message: `built ${pkg(build)} for ${arch(build)} on ${build.builder} in ${seconds} s`,
      details,
    };
  }
  if (end.state === 'CANCELLED') {
    return {
      ...buildBase(build),
      type: 'CANCELLED',
      message: `build of ${pkg(build)} for ${arch(build)} ${end.reason ?? 'cancelled'}`,
      details,
    };
  }
  if (end.state === 'DEPWAIT') {
    return {
      ...buildBase(build),
      type: 'DEPWAIT',
      message: `${pkg(build)} waits for build dependencies for ${arch(build)}: ${end.reason ?? 'unknown'}`,
      details,
    };
  }
  const stage = end.failStage ? ` at ${end.failStage}` : '';
  return {
    ...buildBase(build),
    type: 'FAILED',
    message: `${pkg(build)} failed to build for ${arch(build)}${stage}: ${end.reason ?? 'unknown reason'}`,
    details,
  };
}

/** One TESTED event per check of a build's test stage: pass, fail or skip, and why. */
export function testedEvents(build: BuildView, tests: readonly StoredTestResult[]): EventInput[] {
  return tests.map((t) => ({
    ...buildBase(build),
    type: 'TESTED',
    message: `${t.check} of ${pkg(build)} for ${arch(build)}: ${t.result}${t.mode === 'ignore' && t.result === 'fail' ? ' (ignored)' : ''}: ${t.reason}`,
    details: {
      check: t.check,
      mode: t.mode,
      result: t.result,
      reason: t.reason,
      log: t.log ?? null,
    },
  }));
}

export function uploadFailedEvent(upload: Upload, reasons: readonly string[]): EventInput {
  return {
    ...base(upload),
    type: 'FAILED',
    message: `${pkg(upload)} is not installed in ${upload.distribution}: ${reasons.join('; ')}`,
    details: { reasons },
  };
}

/** Why an upload failed, from the builds that kept it from being installed. */
export function failureReasons(builds: readonly BuildRecord[]): string[] {
  return builds.map((b) =>
    b.state === 'CANCELLED'
      ? `${b.architecture}: build ${b.id} ${b.reason ?? 'cancelled'}`
      : `${b.architecture}: build ${b.id} failed${b.reason ? ` (${b.reason})` : ''}`,
  );
}

function buildBase(build: BuildView): Omit<EventInput, 'type' | 'message'> {
  return {
    source: build.source,
    version: build.version,
    distribution: build.distribution,
    architecture: build.architecture,
    uploadId: build.uploadId,
    buildId: build.id,
  };
}
