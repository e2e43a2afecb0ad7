import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ChrootPaths, type ChrootKey } from '../../src/chroot/chroot-paths.js';
import { ChrootsRepository } from '../../src/db/chroots-repository.js';
import { openDatabase } from '../../src/db/database.js';
import { silentLogger } from '../../src/shared/logger.js';
import { testBaseTree, testKey } from './base-chroot.js';

/**
 * Gives a daemon home (before the daemon starts) a ready base chroot of the host's
 * codename and architecture: generation 1 is a symlink to the cached test base (and its
 * lintian layer, when there is one), so no test daemon runs mmdebstrap.
 */
export async function seedTestChroot(home: string): Promise<ChrootKey> {
  const key = await testKey();
  const tree = await testBaseTree();
  mkdirSync(home, { recursive: true });
  const db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
  try {
    const chroots = new ChrootsRepository(db);
    const record =
      chroots.find(key.codename, key.architecture) ??
      chroots.insert({ ...key, createdAt: new Date() });
    chroots.update(record.id, {
      state: 'ready',
      generation: 1,
      progress: null,
      updatedAt: new Date().toISOString(),
    });
  } finally {
    db.close();
  }
  const paths = new ChrootPaths(path.join(home, 'chroots'), path.join(home, 'logs'));
  const generation = paths.generation(key, 1);
  mkdirSync(path.dirname(generation), { recursive: true });
  if (!existsSync(generation)) symlinkSync(tree, generation);
  if (existsSync(`${tree}.lintian`) && !existsSync(`${generation}.lintian`)) {
    symlinkSync(`${tree}.lintian`, `${generation}.lintian`);
  }
  return key;
}
