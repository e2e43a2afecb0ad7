import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { detectHost } from '../../src/chroot/host-info.js';
import { TEST_CACHE } from './base-chroot.js';
import { REPO_ROOT } from './daemon.js';

const run = promisify(execFile);

/** The checkout's files (tracked, and new ones not ignored) copied into `dir`. */
export function copyCheckout(dir: string): void {
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  )
    .split('\0')
    .filter((f) => f && existsSync(path.join(REPO_ROOT, f)));
  for (const file of files) {
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    cpSync(path.join(REPO_ROOT, file), path.join(dir, file), { verbatimSymlinks: true });
  }
}

/**
 * `dpkg-buildpackage -us -uc -b` in a copy of the checkout under `parent`; returns the
 * .deb and the build's output.
 */
export async function buildPackage(
  parent: string,
  timeoutMs: number,
): Promise<{ deb: string; output: string }> {
  const tree = path.join(parent, 'debyard');
  copyCheckout(tree);
  const result = await run('dpkg-buildpackage', ['-us', '-uc', '-b'], {
    cwd: tree,
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`dpkg-buildpackage failed: ${error.message}\n${error.stdout}\n${error.stderr}`);
  });
  const deb = readdirSync(parent).find((f) => /^debyard_.*\.deb$/.test(f));
  if (!deb) throw new Error(`no .deb in ${parent}: ${readdirSync(parent).join(' ')}`);
  return { deb: path.join(parent, deb), output: `${result.stdout}${result.stderr}` };
}

/** The package names a Depends field needs (versions and alternatives after the first dropped). */
export function dependencyNames(depends: string): string[] {
  return depends
    .split(',')
    .map(
      (item) =>
        item
          .split('|')[0]!
          .trim()
          .split(/[\s(:]/)[0]!,
    )
    .filter(Boolean);
}

/**
 * A clean Debian system of `codename` (mmdebstrap, variant apt, with its package lists)
 * that already has `packages`, so installing the .deb needs no downloads. Made once and
 * kept in the test cache (named by what shapes it); a fresh copy per call under `dir`.
 */
export async function cleanSystem(
  codename: string,
  packages: string[],
  dir: string,
  timeoutMs: number,
): Promise<string> {
  const include = [...new Set(packages)].sort().join(',');
  const shape = createHash('sha256').update(`${codename} ${include}`).digest('hex').slice(0, 12);
  const cached = path.join(TEST_CACHE, `system-${codename}-${shape}`);
  if (!existsSync(cached)) {
    mkdirSync(TEST_CACHE, { recursive: true });
    const partial = `${cached}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    await run(
      'unshare',
      [
        ...['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--'],
        ...['mmdebstrap', '--variant=apt', '--mode=root', '--format=directory'],
        ...[`--include=${include}`, '--skip=cleanup/apt/lists', codename, partial],
        `deb ${detectHost().mirror} ${codename} main`,
      ],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
    );
    if (!existsSync(cached)) renameSync(partial, cached);
    else rmSync(partial, { recursive: true, force: true });
  }
  const root = path.join(dir, `system-${codename}`);
  await run('cp', ['-a', '--reflink=auto', cached, root]);
  return root;
}

/**
 * Kills every process whose root is `root` (what runs in a system tree). Killing `unshare`
 * is not enough for a daemon started as the unit starts it: setpriv's change of user
 * clears the parent-death signal (--kill-child), so it would run on as its namespace's
 * init. Returns how many were killed.
 */
export function killProcessesIn(root: string): number {
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/root`).replace(/ \(deleted\)$/, '') !== root) continue;
      process.kill(Number(pid), 'SIGKILL');
      killed++;
    } catch {
      // Gone already, or not ours to look at.
    }
  }
  return killed;
}

/**
 * Runs a command in a system tree as its init would see it: in new mount and pid
 * namespaces with /proc, /sys and /dev mounted (gone with the namespaces).
 */
export const IN_SYSTEM = String.raw`
set -eu
root=$1; shift
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount --rbind /dev "$root/dev"
exec chroot "$root" "$@"
`;

export function inSystemArgs(root: string, argv: string[]): string[] {
  return [
    ...['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--'],
    ...['sh', '-c', IN_SYSTEM, 'in-system', root, ...argv],
  ];
}
