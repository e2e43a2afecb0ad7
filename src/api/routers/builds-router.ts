import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { BuildFilter, BuildState } from '../../scheduler/build-records.js';
import type { BuildInfo, RetryResult } from '../../scheduler/scheduler.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import {
  implement,
  type CallContext,
  type CallImplementation,
  type Principal,
} from '../api-router.js';
import { hiddenRepositories } from '../hidden-repositories.js';
import {
  buildLogCall,
  buildsCall,
  cancelCall,
  retryCall,
  type BuildSummary,
} from '../specs/builds.js';
import { sendJsonWithText, sendTextFile } from '../text-answer.js';
import { followBuildLog, type BuildLogs } from './build-log-stream.js';

/** What the build calls use of the scheduler. */
export interface BuildQueue {
  list(filter: BuildFilter): BuildInfo[];
  build(id: number): BuildInfo;
  retry(uploadId: number, by: string, priority?: number): Promise<RetryResult>;
  cancel(buildId: number, by: string): Promise<BuildInfo>;
  cancelUpload(uploadId: number, by: string): Promise<BuildInfo[]>;
}

export interface BuildsRouterDeps {
  queue: BuildQueue;
  logs: BuildLogs;
  /** Which repositories are private (hidden from anonymous callers). */
  config: Pick<ArchiveConfig, 'repositories'>;
}

/** A build the caller may see: one for a hidden repository is as a missing one. */
function visibleBuild(deps: BuildsRouterDeps, id: number, principal: Principal): BuildInfo {
  const build = deps.queue.build(id);
  if (hiddenRepositories(deps.config, principal).has(build.repository)) {
    throw new NotFoundError(`there is no build ${id}`);
  }
  return build;
}

/** builds, build_log (anonymous); retry, cancel (staff). */
export function buildRoutes(deps: BuildsRouterDeps): CallImplementation[] {
  const { queue } = deps;
  return [
    // Builds for private repositories are as missing ones to anonymous callers.
    implement(buildsCall, (input, { principal }) => {
      const hidden = hiddenRepositories(deps.config, principal);
      return queue
        .list({
          states: input.state?.map((s) => s.toUpperCase() as BuildState),
          uploadId: input.upload,
          source: input.source,
          architecture: input.architecture,
          builder: input.builder,
          excludeRepositories: [...hidden],
          limit: input.limit,
        })
        .map(summary);
    }),
    implement(
      buildLogCall,
      async (input, context) => {
        const build = visibleBuild(deps, input.build, context.principal);
        if (!build.logFile) {
          throw new NotFoundError(
            `build ${build.id} has no log yet: it is ${build.state}${build.waiting ? ` (${build.waiting})` : ''}`,
          );
        }
        if (input.check) return checkLog(context, build, input.check);
        const file = build.logFile;
        const gone = () => new NotFoundError(`the log of build ${build.id} is gone`);
        if (context.request.accepts(['text/plain', 'json']) !== 'json') {
          return sendTextFile(context, file, gone);
        }
        const fields = {
          build: build.id,
          state: build.state,
          logDroppedBytes: build.logDroppedBytes,
        };
        const pieces = deps.logs.read(build.id, file, { signal: context.signal });
        return sendJsonWithText(context, fields, 'text', missingAs(pieces, gone));
      },
      (input, { signal, principal }, sink) => {
        if (input.check) {
          throw new InvalidInputError(
            `a check's log is written when the check ends: follow the build log, which shows ${input.check} as it runs`,
          );
        }
        visibleBuild(deps, input.build, principal);
        return followBuildLog(deps, input.build, signal, sink);
      },
    ),
    implement(retryCall, async (input, { principal }) => {
      const result = await queue.retry(input.upload, principal.user ?? 'anonymous', input.priority);
      return {
        upload: result.upload,
        state: result.state,
        builds: result.builds.map((b) => ({ id: b.id, architecture: b.architecture })),
      };
    }),
    implement(cancelCall, async (input, { principal }) => {
      const by = principal.user ?? 'anonymous';
      const builds =
        input.upload !== undefined
          ? await queue.cancelUpload(input.upload, by)
          : [await queue.cancel(input.build!, by)];
      return { builds: builds.map(summary) };
    }),
  ];
}

/** The log of one check of a build's test stage, beside its build log. */
async function checkLog(
  context: CallContext,
  build: BuildInfo,
  check: string,
): Promise<{ text: string }> {
  const ran = build.tests.find((t) => t.check === check);
  if (!ran?.log) {
    const which = build.tests.map((t) => t.check).join(', ') || 'none';
    throw new NotFoundError(`build ${build.id} did not run ${check} (it ran: ${which})`);
  }
  const file = path.join(path.dirname(build.logFile!), ran.log);
  const gone = () => new NotFoundError(`the ${check} log of build ${build.id} is gone`);
  if (context.request.accepts(['text/plain', 'json']) !== 'json') {
    return sendTextFile<{ text: string }>(context, file, gone);
  }
  const text = await readFile(file, 'utf8').catch(() => {
    throw gone();
  });
  return { text };
}

/** A build without the daemon's own paths. */
export function summary(b: BuildInfo): BuildSummary {
  return {
    id: b.id,
    upload: b.uploadId,
    source: b.source,
    version: b.version,
    distribution: b.distribution,
    architecture: b.architecture,
    archAll: b.archAll,
    mandatory: b.mandatory,
    state: b.state,
    waiting: b.waiting,
    builder: b.builder,
    emulated: b.emulated,
    attempts: b.attempts,
    priority: b.priority,
    status: b.status,
    failStage: b.failStage,
    reason: b.reason,
    lintianMode: b.lintianMode,
    lintian: b.lintian,
    testModes: b.testModes,
    tests: b.tests,
    queuedAt: b.queuedAt,
    startedAt: b.startedAt,
    endedAt: b.endedAt,
    times: b.times,
    logDroppedBytes: b.logDroppedBytes,
  };
}

/** The pieces of a log, or `gone()` for a log whose file is not there. */
async function* missingAs<T>(pieces: AsyncIterable<T>, gone: () => Error): AsyncGenerator<T> {
  try {
    yield* pieces;
  } catch (error) {
    throw error instanceof NotFoundError ? gone() : error;
  }
}
