import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ChrootPaths, LAYER_NAME, layerOf, type ChrootKey } from '../../src/chroot/chroot-paths.js';
import { ChrootsRepository } from '../../src/db/chroots-repository.js';
import { openDatabase } from '../../src/db/database.js';
import { silentLogger } from '../../src/shared/logger.js';
import { TEST_CACHE, testBaseTree, testKey } from './base-chroot.js';

/**
 * Gives a daemon home (before the daemon starts) the host's chroot, ready at
 * generation 1: the cached test base (and its tool layers, lintian, pristine-tar, uscan,
 * when the cache has them: see keepToolLayers) hard-linked in, the cached build dependencies too. Builds only ever read a base (they
 * write to their own overlay), so the links are safe and take a second, not a minute
 * of mmdebstrap. Another architecture than the host's (arm64) is made once under
 * qemu-user and cached the same way.
 */
export async function importTestChroot(home: string, architecture?: string): Promise<ChrootKey> {
  const key = { ...(await testKey()), ...(architecture ? { architecture } : {}) };
  const tree = await testBaseTree(architecture);
  const paths = new ChrootPaths(path.join(home, 'chroots'), path.join(home, 'logs'));
  const target = paths.generation(key, 1);
  mkdirSync(path.dirname(target), { recursive: true });
  execFileSync('cp', ['-al', tree, target]);
  for (const layer of cachedLayers(tree)) {
    execFileSync('cp', ['-al', layerOf(tree, layer), layerOf(target, layer)]);
  }
  const cache = path.join(TEST_CACHE, `apt-cache-${key.codename}-${key.architecture}`);
  mkdirSync(paths.aptCaches, { recursive: true });
  if (existsSync(cache)) execFileSync('cp', ['-al', cache, paths.aptCache(key)]);
  const db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
  try {
    const store = new ChrootsRepository(db);
    const record =
      store.find(key.codename, key.architecture) ?? store.insert({ ...key, createdAt: new Date() });
    store.update(record.id, {
      state: 'ready',
      generation: 1,
      progress: null,
      updatedAt: new Date().toISOString(),
    });
  } finally {
    db.close();
  }
  return key;
}

/**
 * Gives a daemon home (before the daemon starts) a chroot that is ready at generation 1
 * but empty: nothing can run in it, so a build sent there fails at once. For tests of
 * which builder a build goes to.
 */
export function importEmptyChroot(home: string, key: ChrootKey): void {
  const paths = new ChrootPaths(path.join(home, 'chroots'), path.join(home, 'logs'));
  mkdirSync(paths.generation(key, 1), { recursive: true });
  const db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
  try {
    const store = new ChrootsRepository(db);
    const record = store.insert({ ...key, createdAt: new Date() });
    store.update(record.id, { state: 'ready', generation: 1, progress: null });
  } finally {
    db.close();
  }
}

/** The tool layers the cache holds beside a base tree (`<tree>.<name>`). */
function cachedLayers(tree: string): string[] {
  const stem = `${path.basename(tree)}.`;
  return readdirSync(path.dirname(tree))
    .filter((entry) => entry.startsWith(stem))
    .filter((entry) => LAYER_NAME.test(entry.slice(stem.length)) && !entry.endsWith('.partial'))
    .map((entry) => entry.slice(stem.length));
}

/**
 * Keeps the tool layers a daemon made over the imported test base (pristine-tar's,
 * uscan's: `<generation>.<name>`, complete once they have that name) in the test cache
 * beside the base, hard-linked, for the next run's importTestChroot; a layer the cache
 * has already is left as it is. Call it before the home goes. Tests never need it.
 */
export async function keepToolLayers(home: string, architecture?: string): Promise<string[]> {
  const key = { ...(await testKey()), ...(architecture ? { architecture } : {}) };
  const tree = await testBaseTree(architecture);
  const generation = new ChrootPaths(path.join(home, 'chroots'), path.join(home, 'logs'));
  const made = cachedLayers(generation.generation(key, 1));
  const kept: string[] = [];
  for (const layer of made) {
    if (existsSync(layerOf(tree, layer))) continue;
    const partial = `${layerOf(tree, layer)}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    execFileSync('cp', ['-al', layerOf(generation.generation(key, 1), layer), partial]);
    try {
      renameSync(partial, layerOf(tree, layer));
      kept.push(layer);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another run kept it meanwhile
    }
  }
  return kept;
}
