import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { allowList, type MirrorAllowList } from '../chroot/mirror-proxy.js';
import { sourceUris, treeSourceUris } from '../chroot/apt-sources.js';
import { Sandbox } from '../chroot/sandbox.js';
import type { CommandRunner } from '../exec/command.js';
import type { LocalRunner } from '../exec/local-runner.js';
import type { Clock } from '../shared/clock.js';
import { describeError, InvalidInputError } from '../shared/errors.js';
import { BuildBounds, type BoundsDeps } from './build-bounds.js';
import type {
  BuildResult,
  BuildStage,
  BuildStatus,
  LintianOutcome,
  TestResult,
} from './build-request.js';
import { StageFailure, BuildSession } from './build-session.js';
import {
  buildBinaries,
  fetchSource,
  installDependencies,
  sourceDir,
  unpackSource,
  type BuildPlan,
} from './build-stages.js';
import { anyTests, runTestStage, testFailure, testModes } from './checks/test-stage.js';
import { runLintian } from './lintian.js';
import type { LiveLog } from './live-log.js';
import { banner, fields, section } from './log-format.js';
import { collectResults, type BuildResults } from './results.js';

export interface BuildRunDeps extends BoundsDeps {
  runner: LocalRunner;
  pty: CommandRunner;
  clock: Clock;
  snapshotsDir: string;
}

type Outcome = { status: BuildStatus; failStage: BuildStage | null; reason: string | null };

/** One build from snapshot to cleanup; never throws for a failed build, it reports it. */
export class BuildRun {
  private stage: BuildStage = 'create-session';
  private sandbox: Sandbox | undefined;
  private bounds: BuildBounds | undefined;
  private readonly times = { setup: 0, install: 0, build: 0 };
  private results: BuildResults | null = null;
  private lintian: LintianOutcome = 'disabled';
  private tests: TestResult[] = [];

  constructor(
    private readonly plan: Omit<BuildPlan, 'buildDir'>,
    private readonly log: LiveLog,
    private readonly deps: BuildRunDeps,
  ) {}

  async execute(signal?: AbortSignal): Promise<BuildResult> {
    const { request } = this.plan;
    const startedAt = this.deps.clock.now();
    const started = this.deps.clock.monotonicMs();
    const deadline = AbortSignal.timeout(request.timeLimitMs);
    const atBound = new AbortController();
    const stop = AbortSignal.any([deadline, atBound.signal, ...(signal ? [signal] : [])]);
    const killAll = () => {
      this.sandbox?.kill();
      this.bounds?.kill();
    };
    stop.addEventListener('abort', killAll, { once: true });
    const name = `${request.id}-${randomBytes(4).toString('hex')}`;
    const dir = path.join(this.deps.snapshotsDir, name);
    this.bounds = new BuildBounds(dir, `build-${name}`, request.limits, this.deps, () =>
      atBound.abort(),
    );
    this.header(startedAt, this.bounds);
    let outcome: Outcome;
    try {
      await this.stages({ ...this.plan, buildDir: path.join(dir, 'build') }, dir, stop);
      if (this.bounds.exceeded) throw new StageFailure(this.bounds.exceeded);
      outcome = this.verdict();
    } catch (error) {
      outcome = this.failure(error, stop, signal);
    } finally {
      stop.removeEventListener('abort', killAll);
      await this.cleanup(dir);
    }
    const result = this.result(outcome, startedAt, this.deps.clock.monotonicMs() - started);
    this.summary(result);
    const { droppedBytes } = this.log.close();
    return droppedBytes > 0 ? { ...result, logDroppedBytes: droppedBytes } : result;
  }

  private async stages(plan: BuildPlan, dir: string, stop: AbortSignal): Promise<void> {
    const session = await this.step('create-session', 'Chroot Setup', async () => {
      const begin = this.deps.clock.monotonicMs();
      await mkdir(plan.buildDir, { recursive: true });
      this.sandbox = await Sandbox.open(
        {
          tree: plan.lease.tree,
          mode: 'overlay',
          workDir: path.join(dir, 'snapshot'),
          group: this.bounds?.group ?? undefined,
          binds: [{ source: plan.buildDir, target: '/build' }],
          aptCache: { dir: plan.lease.aptCache, mode: 'overlay' },
          mirrors: await buildMirrors(plan),
        },
        this.deps.runner,
        stop,
      );
      this.times.setup = this.deps.clock.monotonicMs() - begin;
      this.log.write(
        `Snapshot of ${plan.lease.codename}/${plan.lease.architecture} generation ${plan.lease.generation} ready in ${Math.round(this.times.setup)} ms\n`,
      );
      return new BuildSession(
        this.sandbox,
        this.log,
        { local: this.deps.runner, pty: this.deps.pty },
        stop,
      );
    });
    await this.step('fetch-src', 'Fetch source files', () => fetchSource(plan, session));
    const installStart = this.deps.clock.monotonicMs();
    await this.step('install-deps', 'Install package build dependencies', () =>
      installDependencies(plan, session),
    );
    this.times.install = this.deps.clock.monotonicMs() - installStart;
    await this.step('unpack', 'Unpack source', () => unpackSource(plan, session));
    this.times.build = await this.step('build', 'Build', () => buildBinaries(plan, session));
    const results = await this.step('post-build', 'Check results', async () => {
      // Nothing of the build may still run (and change its results) while they are read.
      await this.sandbox?.close();
      const collected = await collectResults(plan.buildDir, plan.request.resultDir);
      for (const file of collected.files) this.log.write(`${path.basename(file)}\n`);
      return collected;
    });
    this.results = results;
    await this.lintianStage(plan, results, dir, stop);
    await this.testStage(plan, results, dir, stop);
  }

  private async lintianStage(
    plan: BuildPlan,
    results: BuildResults,
    dir: string,
    stop: AbortSignal,
  ): Promise<void> {
    if (plan.request.lintian === 'disabled') return;
    const build = {
      dir: plan.buildDir,
      changes: results.changes,
      snapshot: path.join(dir, 'lintian'),
    };
    const deps = {
      runner: this.deps.runner,
      log: this.log,
      signal: stop,
      group: this.bounds?.group ?? undefined,
    };
    this.lintian = await this.step('lintian', 'Run lintian', () =>
      runLintian(plan.lease, plan.request.lintian, build, deps),
    );
  }

  /** The test stage (src/builder/checks): installability, autopkgtest, install test. */
  private async testStage(
    plan: BuildPlan,
    results: BuildResults,
    dir: string,
    stop: AbortSignal,
  ): Promise<void> {
    const modes = testModes(plan.request.tests);
    if (!anyTests(modes)) return;
    const context = {
      lease: plan.lease,
      architecture: plan.request.architecture,
      distribution: plan.request.distribution,
      debs: results.files.filter((file) => file.endsWith('.deb')),
      resultDir: plan.request.resultDir,
      buildDir: plan.buildDir,
      sourceDir: sourceDir(plan.dsc),
      extraApt: plan.request.extraApt,
      mirrors: await buildMirrors(plan),
      runner: this.deps.runner,
      log: this.log,
      signal: stop,
      group: this.bounds?.group ?? undefined,
    };
    this.tests = await this.step('test', 'Run tests', () =>
      runTestStage(modes, context, path.join(dir, 'tests')),
    );
  }

  private async step<T>(stage: BuildStage, title: string, work: () => Promise<T>): Promise<T> {
    this.stage = stage;
    this.log.write(section(title));
    return work();
  }

  private verdict(): Outcome {
    const mode = this.plan.request.lintian;
    if ((mode === 'errfail' || mode === 'warnfail') && this.lintian !== 'pass') {
      const found = mode === 'warnfail' ? 'errors or warnings' : 'errors';
      const reason =
        this.lintian === 'fail' ? `lintian found ${found}` : 'lintian could not check the packages';
      return { status: 'failed', failStage: 'lintian', reason };
    }
    const tests = testFailure(this.tests);
    if (tests) return { status: 'failed', failStage: 'test', reason: tests };
    return { status: 'successful', failStage: null, reason: null };
  }

  private failure(error: unknown, stop: AbortSignal, signal?: AbortSignal): Outcome {
    const stage = this.stage;
    let reason: string;
    let status: BuildStatus = stage === 'build' ? 'attempted' : 'failed';
    if (signal?.aborted) {
      status = 'cancelled';
      reason = `cancelled: ${describeError(signal.reason)}`;
    } else if (this.bounds?.exceeded) {
      reason = this.bounds.exceeded;
    } else if (stop.aborted) {
      reason = `killed after the time limit of ${formatDuration(this.plan.request.timeLimitMs)}`;
    } else if (error instanceof StageFailure) {
      reason = error.message;
    } else if (error instanceof InvalidInputError) {
      reason = error.fullMessage;
      status = 'failed';
    } else {
      reason = describeError(error);
      status = 'failed';
    }
    if (status !== 'cancelled') reason += this.bounds?.notes() ?? '';
    this.log.write(`\nE: ${reason}\n`);
    return { status, failStage: stage, reason };
  }

  private async cleanup(dir: string): Promise<void> {
    this.log.write(section('Cleanup'));
    await this.sandbox?.close();
    this.log.write((await this.bounds?.finish()) ?? '');
    await rm(dir, { recursive: true, force: true });
    this.log.write('Snapshot and mounts removed.\n');
  }

  private header(startedAt: Date, bounds: BuildBounds): void {
    const { request, dsc, type } = this.plan;
    this.log.write(banner(`${dsc.source} ${dsc.version} (${request.architecture})`, startedAt));
    this.log.write(
      `\n${fields({
        Package: dsc.source,
        Version: dsc.version,
        Distribution: request.distribution,
        'Machine Architecture': request.architecture,
        'Build Type': type,
        Chroot: `${request.codename}/${request.architecture}`,
        'Lintian mode': request.lintian,
        'Test modes': Object.entries(testModes(request.tests))
          .map(([check, mode]) => `${check}=${mode}`)
          .join(' '),
        DEB_BUILD_OPTIONS: request.debBuildOptions ?? '',
        ...bounds.headerFields(),
      })}`,
    );
  }

  private result(outcome: Outcome, startedAt: Date, totalMs: number): BuildResult {
    const { request, dsc } = this.plan;
    return {
      id: request.id,
      ...outcome,
      package: dsc.source,
      version: dsc.version,
      architecture: request.architecture,
      changes: this.results?.changes ?? null,
      files: this.results?.files ?? [],
      logFile: this.log.file,
      lintian: this.lintian,
      ...(this.tests.length > 0 && { tests: this.tests }),
      startedAt: startedAt.toISOString(),
      buildTimeMs: Math.round(this.times.build),
      installTimeMs: Math.round(this.times.install),
      setupTimeMs: Math.round(this.times.setup),
      totalTimeMs: Math.round(totalMs),
    };
  }

  private summary(result: BuildResult): void {
    this.log.write(section('Summary'));
    this.log.write(
      fields({
        Architecture: result.architecture,
        'Build Type': this.plan.type,
        'Build-Time': Math.round(result.buildTimeMs / 1000),
        Distribution: this.plan.request.distribution,
        'Fail-Stage': result.failStage,
        'Install-Time': Math.round(result.installTimeMs / 1000),
        Job: this.plan.dscName,
        Lintian: result.lintian,
        Tests: result.tests?.map((t) => `${t.check}=${t.result}`).join(' ') || null,
        // The log outgrew build.max_log_size: its middle is dropped (see the marker line).
        'Log-Cut': this.log.droppedBytes > 0 ? 'yes, over build.max_log_size' : null,
        Package: result.package,
        'Package-Time': Math.round(result.totalTimeMs / 1000),
        Status: result.status,
        Version: result.version,
      }),
    );
  }
}

function formatDuration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`;
}

/** The build may download from its base's mirrors and its extra apt sources. */
async function buildMirrors(plan: BuildPlan): Promise<MirrorAllowList> {
  const extra = plan.request.extraApt ? sourceUris(plan.request.extraApt.sources, 'sources') : [];
  return allowList([...(await treeSourceUris(plan.lease.tree)), ...extra]);
}
