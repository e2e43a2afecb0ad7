import path from 'node:path';
import type { BaseLease } from '../chroot/chroot-service.js';
import type { ProcessGroup } from '../chroot/resource-group.js';
import { Sandbox } from '../chroot/sandbox.js';
import type { LocalRunner } from '../exec/local-runner.js';
import type { LintianMode, LintianOutcome } from './build-request.js';
import { BuildSession } from './build-session.js';
import type { LiveLog } from './live-log.js';
import { toolLayer } from './tool-layer.js';

export interface LintianDeps {
  runner: LocalRunner;
  log: LiveLog;
  signal: AbortSignal;
  /** The build's resource group, which lintian's processes join. */
  group?: ProcessGroup;
}

/** Tags about the .changes naming a debyard distribution, which Debian does not know. */
const SUPPRESSED_TAGS = ['bad-distribution-in-changes-file', 'distribution-and-changes-mismatch'];

/**
 * Runs lintian on a build's .changes in its own snapshot: the base plus a layer with
 * lintian installed, made once per base generation (by the first build that needs it)
 * and kept beside it. The build folder is mounted read-only; there is no network.
 */
export async function runLintian(
  lease: BaseLease,
  mode: LintianMode,
  build: { dir: string; changes: string; snapshot: string },
  deps: LintianDeps,
): Promise<LintianOutcome> {
  const layer = await toolLayer(lease, 'lintian', ['lintian'], deps);
  const sandbox = await Sandbox.open(
    {
      tree: lease.tree,
      layers: [layer],
      mode: 'overlay',
      workDir: build.snapshot,
      binds: [{ source: build.dir, target: '/build', readOnly: true }],
      group: deps.group,
    },
    deps.runner,
    deps.signal,
  );
  try {
    const session = new BuildSession(
      sandbox,
      deps.log,
      { local: deps.runner, pty: deps.runner },
      deps.signal,
    );
    const failOn = mode === 'warnfail' ? 'error,warning' : 'error';
    const argv = ['lintian', '--fail-on', failOn, '--suppress-tags', SUPPRESSED_TAGS.join(',')];
    const result = await session.run([...argv, `/build/${path.basename(build.changes)}`], {
      as: 'builder',
      cwd: '/build',
    });
    // lintian exits 2 when it found tags of the --fail-on severities, 1 when it broke.
    return result.exitCode === 0 ? 'pass' : result.exitCode === 2 ? 'fail' : 'error';
  } finally {
    await sandbox.close();
  }
}
