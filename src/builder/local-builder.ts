import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChrootKey } from '../chroot/chroot-paths.js';
import type { BuildLimits } from '../chroot/build-limits.js';
import type { BaseLease } from '../chroot/chroot-service.js';
import type { CommandRunner } from '../exec/command.js';
import type { LocalRunner } from '../exec/local-runner.js';
import type { Clock } from '../shared/clock.js';
import { NotFoundError } from '../shared/errors.js';
import { validateBuildRequest, type BuildRequest, type BuildResult } from './build-request.js';
import type { GroupMaker } from './build-bounds.js';
import { BuildRun } from './build-run.js';
import { chooseBuildType } from './build-type.js';
import { readDsc } from './control-files.js';
import type { LiveLogHub } from './live-log.js';

/** Lends base chroots to builds (ChrootService does). */
export interface BaseProvider {
  acquire(key: ChrootKey): BaseLease;
}

export interface LocalBuilderDeps {
  bases: BaseProvider;
  runner: LocalRunner;
  pty: CommandRunner;
  logs: LiveLogHub;
  clock: Clock;
  /** Where per-build snapshots are made (the chroots' snapshots folder). */
  snapshotsDir: string;
  /** Each build's cgroup (ResourceGroups). */
  groups: GroupMaker;
  /** This builder's resource limits; a request's own override them. */
  limits: BuildLimits;
}

/**
 * Builds on this host: one build in one overlay snapshot of a base chroot. How many run
 * at once is the scheduler's business.
 */
export class LocalBuilder {
  constructor(private readonly deps: LocalBuilderDeps) {}

  /**
   * Runs a build to its end. Throws (before anything runs) for a bad request
   * (InvalidInputError, NotFoundError) or a chroot that cannot be used now
   * (NotFoundError, UnavailableError); every later failure is reported in the result.
   */
  async build(request: BuildRequest, signal?: AbortSignal): Promise<BuildResult> {
    validateBuildRequest(request);
    const dscName = path.basename(request.dsc);
    const text = await readFile(request.dsc, 'utf8').catch((error: unknown) => {
      throw new NotFoundError(`cannot read ${request.dsc}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    const dsc = readDsc(text, dscName);
    const type = await chooseBuildType(dsc, { ...request, dscName }, this.deps.runner);
    const lease = this.deps.bases.acquire(request);
    try {
      const log = this.deps.logs.open(request.id, request.logFile);
      const run = new BuildRun({ request, dsc, dscName, type, lease }, log, this.deps);
      return await run.execute(signal);
    } finally {
      lease.release();
    }
  }
}
