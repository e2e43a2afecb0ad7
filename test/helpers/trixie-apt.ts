import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the trixie tree is kept between runs (made again when missing). */
const CACHE = process.env.DEBYARD_TEST_KEYS_CACHE ?? '/var/cache/debyard-test-keys';
const TREE = path.join(CACHE, 'trixie-apt-v1');
const MIRROR = process.env.DEBYARD_TEST_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/**
 * A Debian trixie tree with apt 3 and sqv (apt 3 verifies Release signatures with sqv,
 * Sequoia, instead of gpgv), made once with mmdebstrap (about a minute, 120 MB) and
 * kept under /var/cache/debyard-test-keys. Tests run apt-get in it with chroot (as root)
 * through IsolatedApt; it reaches a daemon on loopback as the host does.
 */
export async function trixieApt(): Promise<string> {
  if (existsSync(path.join(TREE, 'usr/bin/sqv'))) return TREE;
  mkdirSync(CACHE, { recursive: true });
  const work = `${TREE}.work-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  await run(
    'mmdebstrap',
    [
      '--quiet',
      '--variant=apt',
      '--include=sqv',
      '--keyring=/usr/share/keyrings/debian-archive-trixie-stable.gpg',
      'trixie',
      work,
      MIRROR,
    ],
    { maxBuffer: 16 << 20, timeout: 600_000 },
  );
  if (!existsSync(path.join(TREE, 'usr/bin/sqv'))) {
    rmSync(TREE, { recursive: true, force: true });
    renameSync(work, TREE);
  } else {
    rmSync(work, { recursive: true, force: true }); // another run made it meanwhile
  }
  return TREE;
}
