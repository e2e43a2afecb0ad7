import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ChrootPaths, layerOf, type ChrootKey } from '../../src/chroot/chroot-paths.js';
import { ChrootsRepository } from '../../src/db/chroots-repository.js';
import { openDatabase } from '../../src/db/database.js';
import { silentLogger } from '../../src/shared/logger.js';
import { TEST_CACHE, testBaseTree, testKey } from './base-chroot.js';

/**
 * Gives a daemon home (before the daemon starts) the host's chroot, ready at
 * generation 1: the cached test base (and its lintian layer, when there is one)
 * hard-linked in, the cached build dependencies too. Builds only ever read a base (they
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
  for (const layer of ['lintian', 'qa']) {
    if (existsSync(layerOf(tree, layer))) {
      execFileSync('cp', ['-al', layerOf(tree, layer), layerOf(target, layer)]);
    }
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
