import path from 'node:path';
import type { BuildResult } from '../builder/build-request.js';
import { describeError } from '../shared/errors.js';
import type { PeerBuildResult, PeerJobRequest } from './peer-api.js';

/** A build result with file names in place of this host's paths. */
export function peerResultOf(result: BuildResult): PeerBuildResult {
  const { id: _id, logFile: _logFile, changes, files, ...rest } = result;
  return {
    ...rest,
    changes: changes === null ? null : path.basename(changes),
    files: files.map((file) => path.basename(file)),
  };
}

/** The result of a job whose build could not start (bad .dsc, chroot gone). */
export function failedBeforeStart(
  request: PeerJobRequest,
  error: unknown,
  now: Date,
): PeerBuildResult {
  return {
    status: 'failed',
    failStage: 'create-session',
    reason: describeError(error),
    package: request.dsc.replace(/_.*$/, ''),
    version: null,
    architecture: request.architecture,
    changes: null,
    files: [],
    lintian: 'disabled',
    startedAt: now.toISOString(),
    buildTimeMs: 0,
    installTimeMs: 0,
    totalTimeMs: 0,
    setupTimeMs: 0,
  };
}
