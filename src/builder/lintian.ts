import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BaseLease } from '../chroot/chroot-service.js';
import { layerOf } from '../chroot/chroot-paths.js';
import { treeSourceUris } from '../chroot/apt-sources.js';
import { allowList } from '../chroot/mirror-proxy.js';
import type { ProcessGroup } from '../chroot/resource-group.js';
import { Sandbox } from '../chroot/sandbox.js';
import { checkResult } from '../exec/command.js';
import type { LocalRunner } from '../exec/local-runner.js';
import type { LintianMode, LintianOutcome } from './build-request.js';
import { BuildSession } from './build-session.js';
import type { LiveLog } from './live-log.js';

export interface LintianDeps {
  runner: LocalRunner;
  log: LiveLog;
  signal: AbortSignal;
  /** The build's resource group, which lintian's processes join. */
  group?: ProcessGroup;
}

/** Tags about the .changes naming a debyard distribution, which Debian does not know. */
const SUPPRESSED_TAGS = ['bad-distribution-in-changes-file', 'distribution-and-changes-mismatch'];

const making = new Map<string, Promise<string>>();

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
  const layer = await lintianLayer(lease, deps);
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

/**
 * The lintian layer of the lease's base generation, made if missing. Builds needing it
 * at once share one making; if another build's making fails (it was cancelled, say),
 * this one makes it itself.
 */
async function lintianLayer(lease: BaseLease, deps: LintianDeps): Promise<string> {
  const layer = layerOf(lease.tree, 'lintian');
  for (let attempt = 0; ; attempt++) {
    if (existsSync(layer)) return layer;
    let promise = making.get(layer);
    const ours = promise === undefined;
    if (!promise) {
      promise = makeLayer(lease, layer, deps).finally(() => making.delete(layer));
      making.set(layer, promise);
    }
    try {
      return await promise;
    } catch (error) {
      if (ours || attempt > 0) throw error;
    }
  }
}

async function makeLayer(lease: BaseLease, layer: string, deps: LintianDeps): Promise<string> {
  deps.log.write(
    `Installing lintian into a layer over the base (once per base generation): ${layer}\n`,
  );
  const workDir = `${layer}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const sandbox = await Sandbox.open(
    {
      tree: lease.tree,
      mode: 'overlay',
      workDir,
      keepWorkDir: true,
      aptCache: { dir: lease.aptCache, mode: 'overlay' },
      mirrors: allowList(await treeSourceUris(lease.tree)),
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
    const install = ['install', '-y', 'lintian'];
    await session.must(
      ['apt-get', '--download-only', ...install],
      { as: 'root', network: true },
      'lintian cannot be downloaded',
    );
    await session.keepDownloads();
    await session.must(['apt-get', ...install], { as: 'root' }, 'lintian cannot be installed');
    await sandbox.close();
    // The snapshot was volatile: put the layer on disk before it is kept.
    checkResult(await deps.runner.run({ command: 'sync', args: ['--file-system', workDir] }));
    await rename(path.join(workDir, 'upper'), layer).catch((error: NodeJS.ErrnoException) => {
      // Another build (or daemon) made it meanwhile: use theirs.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    return layer;
  } finally {
    await sandbox.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
