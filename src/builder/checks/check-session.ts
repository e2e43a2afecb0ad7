import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { BaseLease } from '../../chroot/chroot-service.js';
import type { MirrorAllowList } from '../../chroot/mirror-proxy.js';
import type { ProcessGroup } from '../../chroot/resource-group.js';
import { Sandbox, type BindMount } from '../../chroot/sandbox.js';
import type { LocalRunner } from '../../exec/local-runner.js';
import type { ExtraAptSources, TestCheck } from '../build-request.js';
import { BuildSession } from '../build-session.js';
import { writeAptSources } from '../build-stages.js';
import type { LiveLog } from '../live-log.js';

/** What every check of the test stage gets: where the build's results are, and how to run. */
export interface CheckContext {
  lease: BaseLease;
  architecture: string;
  /** The distribution the packages go to (its list names the target suite). */
  distribution: string;
  /** The built .deb files on the host (in the result folder). */
  debs: string[];
  /** The result folder on the host, mounted read-only at /result. */
  resultDir: string;
  /** The build folder on the host (the unpacked, built source), read-only at /build. */
  buildDir: string;
  /** The unpacked source inside the sandbox, e.g. /build/hello-1.0. */
  sourceDir: string;
  extraApt?: ExtraAptSources;
  mirrors: MirrorAllowList;
  runner: LocalRunner;
  /** The build log: each check prints into it, and into a log of its own. */
  log: LiveLog;
  signal: AbortSignal;
  group?: ProcessGroup;
}

/** A check's verdict before the stage adds its mode and log. */
export interface CheckVerdict {
  result: 'pass' | 'fail' | 'skip';
  reason: string;
}

/** The packages' files as the sandbox sees them. */
export const debsInside = (context: CheckContext): string[] =>
  context.debs.map((deb) => `/result/${deb.slice(deb.lastIndexOf('/') + 1)}`);

/**
 * A log that writes to the build log and keeps a copy, saved to the check's own file
 * beside it (`<check>.log`) by `save()`.
 */
export class CheckLog implements LiveLog {
  private text = '';
  constructor(
    private readonly build: LiveLog,
    readonly file: string,
  ) {}

  get droppedBytes(): number {
    return 0;
  }

  write(text: string): void {
    this.text += text;
    this.build.write(text);
  }

  close(): { droppedBytes: number } {
    return { droppedBytes: 0 };
  }

  save(): void {
    writeFileSync(this.file, this.text);
  }
}

/** Opens a fresh snapshot of the base (with the tool `layers` over it) for one check. */
export async function openCheckSandbox(
  context: CheckContext,
  check: TestCheck,
  workDir: string,
  layers: string[],
): Promise<Sandbox> {
  const binds: BindMount[] = [
    { source: context.resultDir, target: '/result', readOnly: true },
    { source: context.buildDir, target: '/build', readOnly: true },
  ];
  return Sandbox.open(
    {
      tree: context.lease.tree,
      layers,
      mode: 'overlay',
      workDir,
      hostname: `debyard-${check}`,
      binds,
      aptCache: { dir: context.lease.aptCache, mode: 'overlay' },
      mirrors: context.mirrors,
      group: context.group,
    },
    context.runner,
    context.signal,
  );
}

/** A session over a check's sandbox, printing to the check's log. */
export function checkSession(context: CheckContext, sandbox: Sandbox, log: LiveLog): BuildSession {
  return new BuildSession(
    sandbox,
    log,
    { local: context.runner, pty: context.runner },
    context.signal,
  );
}

/** A check's session, its package lists updated; `close()` drops the sandbox and `workDir`. */
export interface UpdatedCheckSession {
  session: BuildSession;
  close(): Promise<void>;
}

/**
 * Opens a check's sandbox (the tool `layers` over a fresh snapshot of the base), writes
 * the build's extra apt sources into it and runs `apt-get update`; on a failure it closes
 * what it opened.
 */
export async function openUpdatedCheckSession(
  context: CheckContext,
  check: TestCheck,
  log: LiveLog,
  workDir: string,
  layers: string[],
): Promise<UpdatedCheckSession> {
  const sandbox = await openCheckSandbox(context, check, workDir, layers);
  const close = async (): Promise<void> => {
    await sandbox.close();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const session = checkSession(context, sandbox, log);
    if (context.extraApt) await writeAptSources(session, context.extraApt);
    await session.must(
      ['apt-get', 'update'],
      { as: 'root', network: true },
      'apt-get update failed',
    );
    return { session, close };
  } catch (error) {
    await close();
    throw error;
  }
}
