import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { BaseOperations } from '../../src/chroot/base-operations.js';
import { ChrootCatalog } from '../../src/chroot/chroot-catalog.js';
import { ChrootPaths, keyName, type ChrootKey } from '../../src/chroot/chroot-paths.js';
import type { BaseLease } from '../../src/chroot/chroot-service.js';
import { loadDefinitions } from '../../src/chroot/definition.js';
import { detectHost, type HostInfo } from '../../src/chroot/host-info.js';
import { mmdebstrapArgs } from '../../src/chroot/mmdebstrap.js';
import { LocalRunner } from '../../src/exec/local-runner.js';
import { isRunning } from '../../src/exec/process-tree.js';
import { REPO_ROOT } from './daemon.js';

/**
 * Base chroots for tests are made once with debyard's own code (mmdebstrap) and kept
 * here between runs; the name carries a hash of everything that shapes the tree, so a
 * changed setup script makes a new one. Tests never need the cache to exist.
 */
export const TEST_CACHE = process.env.DEBYARD_TEST_CACHE ?? '/var/cache/debyard-test';
const CHROOTS_DIR = path.join(REPO_ROOT, 'chroots');
const DAY = 86_400_000;

let host: HostInfo | undefined;
export function testHost(): HostInfo {
  host ??= detectHost();
  return host;
}

/** The host's codename and architecture: the chroot the tests build in. */
export async function testKey(): Promise<ChrootKey> {
  const info = testHost();
  return { codename: info.codename, architecture: info.architecture };
}

/**
 * The path of a ready base tree for the host's codename, created on first use; of the
 * host's architecture, or of another one (arm64: made under qemu-user, minutes).
 */
export async function testBaseTree(architecture?: string): Promise<string> {
  const key = { ...(await testKey()), ...(architecture ? { architecture } : {}) };
  const catalog = new ChrootCatalog(loadDefinitions(CHROOTS_DIR), testHost(), CHROOTS_DIR);
  const resolved = catalog.resolve(key);
  // Paths of the checkout left out: worktrees of one commit share one base.
  const args = mmdebstrapArgs({ ...resolved, architecture: key.architecture, target: '' });
  const shape = createHash('sha256')
    .update(JSON.stringify(args).replaceAll(CHROOTS_DIR, '<chroots>'))
    .update(resolved.definition.setupScripts.map((s) => readFileSync(s, 'utf8')).join('\n'));
  const tree = path.join(TEST_CACHE, `base-${keyName(key)}-${shape.digest('hex').slice(0, 12)}`);
  if (existsSync(tree)) {
    const now = new Date();
    utimesSync(tree, now, now); // in use: kept by the pruning below
    return tree;
  }
  mkdirSync(TEST_CACHE, { recursive: true });
  await withLock(path.join(TEST_CACHE, 'create.lock'), async () => {
    if (existsSync(tree)) return;
    // Bases of another shape unused for a day (other checkouts may still build on one).
    for (const entry of readdirSync(TEST_CACHE)) {
      const at = path.join(TEST_CACHE, entry);
      if (entry.startsWith(`base-${keyName(key)}-`) && Date.now() - statSync(at).mtimeMs > DAY)
        rmSync(at, { recursive: true, force: true });
    }
    const work = new ChrootPaths(
      path.join(TEST_CACHE, `work-${process.pid}`),
      path.join(TEST_CACHE, 'logs'),
    );
    rmSync(work.chrootsDir, { recursive: true, force: true });
    const made = await new BaseOperations(new LocalRunner(), work).create(
      key,
      1,
      resolved,
      { phase: () => {}, line: () => {} },
      // Under qemu-user (a foreign architecture) dpkg and every maintainer script are
      // emulated: on a busy 2-core machine that takes half an hour.
      AbortSignal.timeout((key.architecture === testHost().architecture ? 15 : 75) * 60_000),
    );
    renameSync(made, tree);
    rmSync(work.chrootsDir, { recursive: true, force: true });
  });
  return tree;
}

/** A lease on the cached base for code that builds without a ChrootService. */
export async function testLease(): Promise<BaseLease> {
  const key = await testKey();
  return {
    ...key,
    generation: 1,
    tree: await testBaseTree(),
    aptCache: path.join(TEST_CACHE, `apt-cache-${keyName(key)}`),
    release: () => {},
  };
}

/** Holds a lock file (with the owner's pid) across processes; a dead owner's is taken over. */
async function withLock(file: string, fn: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8') || '0');
      if (owner && !isRunning(owner)) rmSync(file, { force: true });
      else await sleep(500);
    }
  }
  try {
    await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
