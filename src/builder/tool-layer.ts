import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BaseLease } from '../chroot/chroot-service.js';
import { layerOf } from '../chroot/chroot-paths.js';
import { treeSourceUris } from '../chroot/apt-sources.js';
import { allowList } from '../chroot/mirror-proxy.js';
import { Sandbox } from '../chroot/sandbox.js';
import { checkResult } from '../exec/command.js';
import type { LocalRunner } from '../exec/local-runner.js';
import { BuildSession } from './build-session.js';
import type { LiveLog } from './live-log.js';

/** What making a tool layer needs: the runner, a log to print to, and when to stop. */
export interface ToolLayerDeps {
  runner: LocalRunner;
  log: LiveLog;
  signal: AbortSignal;
}

const making = new Map<string, Promise<string>>();

/**
 * A layer of tools over the lease's base generation (`<generation>.<name>`: the base
 * with `packages` installed), made if missing, once per base generation and kept beside
 * it (removed with it). Builds needing it at once share one making; if another build's
 * making fails (it was cancelled, say), this one makes it itself.
 */
export async function toolLayer(
  lease: BaseLease,
  name: string,
  packages: readonly string[],
  deps: ToolLayerDeps,
  options: { recommends?: boolean } = {},
): Promise<string> {
  const layer = layerOf(lease.tree, name);
  for (let attempt = 0; ; attempt++) {
    if (existsSync(layer)) return layer;
    let promise = making.get(layer);
    const ours = promise === undefined;
    if (!promise) {
      promise = makeLayer(lease, layer, packages, deps, options.recommends ?? true).finally(() =>
        making.delete(layer),
      );
      making.set(layer, promise);
    }
    try {
      return await promise;
    } catch (error) {
      if (ours || attempt > 0) throw error;
    }
  }
}

async function makeLayer(
  lease: BaseLease,
  layer: string,
  packages: readonly string[],
  deps: ToolLayerDeps,
  recommends: boolean,
): Promise<string> {
  const list = packages.join(' ');
  deps.log.write(
    `Installing ${list} into a layer over the base (once per base generation): ${layer}\n`,
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
    const install = [
      'install',
      '-y',
      ...(recommends ? [] : ['--no-install-recommends']),
      ...packages,
    ];
    const download = () =>
      session.run(['apt-get', '--download-only', ...install], { as: 'root', network: true });
    if ((await download()).exitCode !== 0) {
      // The base's package lists may be older than the mirror.
      await session.must(
        ['apt-get', 'update'],
        { as: 'root', network: true },
        'apt-get update failed',
      );
      await session.must(
        ['apt-get', '--download-only', ...install],
        { as: 'root', network: true },
        `${list} cannot be downloaded`,
      );
    }
    await session.keepDownloads();
    await session.must(['apt-get', ...install], { as: 'root' }, `${list} cannot be installed`);
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
