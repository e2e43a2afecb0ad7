import { asRoot } from './as-root.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { LocalRunner } from '../exec/local-runner.js';
import type { Logger } from '../shared/logger.js';
import type { ChrootRecord } from './chroot-records.js';
import { LAYER_NAME, type ChrootPaths } from './chroot-paths.js';
import { isShifted, shiftTree } from './id-map.js';
import type { ChrootState } from './chroot-state.js';

/** Mount points in a /proc/<pid>/mountinfo text, unescaped. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    .map((field) =>
      field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    );
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  return mountPoints(mountinfo)
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

export interface RecoveryDeps {
  state: ChrootState;
  paths: ChrootPaths;
  runner: LocalRunner;
  logger: Logger;
}

/**
 * Run at daemon start, before any build: removes what a crash left behind (mounts under
 * the chroots folder, snapshots, partial or superseded generations and layers, trees of
 * removed chroots) and settles the state of operations that were interrupted.
 */
export async function recoverChroots(deps: RecoveryDeps): Promise<void> {
  const { state, paths, logger } = deps;
  for (const point of mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), paths.chrootsDir)) {
    logger.warn('unmounting a leftover mount', { mountPoint: point });
    await deps.runner.run(asRoot('umount', ['--lazy', point]));
  }
  await removeChildren(paths.snapshots, () => true, logger);
  const keep = new Set<string>();
  for (const record of state.list()) {
    const [tree, ...layers] = settle(record, deps);
    if (tree === undefined) continue;
    keep.add(tree);
    if (await isShifted(tree)) {
      for (const layer of layers) keep.add(layer);
    } else {
      // Made by an older daemon as host root: its layers go (builds make them again).
      logger.info('giving a base chroot to the sandbox ids', { tree });
      await shiftTree(tree);
    }
  }
  for (const base of listDir(paths.bases)) {
    const baseDir = path.join(paths.bases, base);
    await removeChildren(baseDir, (entry) => !keep.has(path.join(baseDir, entry)), logger);
    if (listDir(baseDir).length === 0) await rm(baseDir, { recursive: true, force: true });
  }
}

/** Settles an interrupted operation; returns the paths of the chroot to keep. */
function settle(record: ChrootRecord, { state, paths }: RecoveryDeps): string[] {
  const label = `${record.codename}/${record.architecture}`;
  if (record.state === 'creating') {
    const lastError = 'creation was interrupted by a daemon stop; create it again';
    state.change(
      record.id,
      { state: 'broken', progress: null, lastError },
      `creating chroot ${label} was interrupted`,
    );
    return [];
  }
  if (record.state === 'updating') {
    const lastError = 'the last update was interrupted by a daemon stop';
    const message = `updating chroot ${label} was interrupted; it keeps its previous base`;
    state.change(record.id, { state: 'ready', progress: null, lastError }, message);
  }
  if (record.generation === 0) return [];
  const tree = paths.generation(record, record.generation);
  if (!existsSync(tree)) {
    if (record.state !== 'broken') {
      const lastError = `its base tree ${tree} is missing; create it again`;
      state.change(
        record.id,
        { state: 'broken', lastError },
        `chroot ${label} is broken: its base tree is missing`,
      );
    }
    return [];
  }
  const layers = listDir(path.dirname(tree)).filter((entry) => {
    const [generation, layer, ...rest] = entry.split('.');
    return (
      generation === String(record.generation) &&
      layer !== 'partial' &&
      LAYER_NAME.test(layer ?? '') &&
      rest.length === 0
    );
  });
  return [tree, ...layers.map((entry) => path.join(path.dirname(tree), entry))];
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function removeChildren(
  dir: string,
  which: (entry: string) => boolean,
  logger: Logger,
): Promise<void> {
  for (const entry of listDir(dir).filter(which)) {
    logger.info('removing a leftover from an earlier run', { path: path.join(dir, entry) });
    await rm(path.join(dir, entry), { recursive: true, force: true });
  }
}
