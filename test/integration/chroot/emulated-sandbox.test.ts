import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostBinfmt } from '../../../src/chroot/binfmt-system.js';
import { emulator } from '../../../src/chroot/emulation.js';
import { shiftTree } from '../../../src/chroot/id-map.js';
import { Sandbox } from '../../../src/chroot/sandbox.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { persistentTempDir } from '../../fixtures/index.js';
import { TEST_CACHE, testHost } from '../../fixtures/subsystems.js';

/*
 * A foreign architecture's programs in the build sandbox, through qemu-user: the daemon's
 * own binfmt preparation (it mounts binfmt_misc and registers qemu-user-static's handler
 * where they are missing), then the sandbox of every build (user namespace, pivot_root,
 * no network) over a small tree of the foreign architecture (coreutils and its
 * libraries, extracted by mmdebstrap without running anything, cached). The sandbox has
 * no qemu inside: only the handler's F flag makes the kernel find the interpreter.
 */

const host = testHost();
const FOREIGN = host.architecture === 'amd64' ? 'arm64' : 'amd64';
const MACHINE = FOREIGN === 'arm64' ? 'aarch64' : 'x86_64';
const runner = new LocalRunner();
const BUILD_USER = { uid: 2000, gid: 2000 };
const ENV = { PATH: '/usr/bin:/bin' };
let sandbox: Sandbox;
let scratch: string;
let tree: string;

/** coreutils and mount of the foreign architecture, extracted only (no maintainer scripts run). */
function foreignTree(): string {
  const tree = path.join(TEST_CACHE, `coreutils-mount-${host.codename}-${FOREIGN}`);
  if (existsSync(tree)) return tree;
  const partial = `${tree}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(TEST_CACHE, { recursive: true });
  execFileSync(
    'mmdebstrap',
    [
      '--variant=extract',
      '--mode=root',
      '--format=directory',
      `--architectures=${FOREIGN}`,
      // mount: the sandbox's setup unmounts the host's tree with the chroot's umount.
      '--include=coreutils,mount',
      host.codename,
      partial,
      `deb ${host.mirror} ${host.codename} main`,
    ],
    { stdio: 'ignore', timeout: 10 * 60_000 },
  );
  for (const dir of ['proc', 'sys', 'dev', 'tmp'])
    mkdirSync(path.join(partial, dir), { recursive: true });
  renameSync(partial, tree);
  return tree;
}

beforeAll(async () => {
  const mode = await emulator(host.architecture, hostBinfmt(runner)).prepare(FOREIGN);
  expect(mode).toMatchObject({
    native: false,
    handler: `qemu-${MACHINE === 'aarch64' ? 'aarch64' : 'x86_64'}`,
  });
  tree = foreignTree();
  await shiftTree(tree);
  sandbox = await Sandbox.open(
    { tree, mode: 'overlay', workDir: path.join((scratch = persistentTempDir()), 'snapshot') },
    runner,
  );
}, 15 * 60_000);

afterAll(async () => {
  await sandbox?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const inside = async (argv: string[], user: 'root' | typeof BUILD_USER = BUILD_USER) => {
  const result = await sandbox.run({ argv, env: ENV, user }, runner);
  return { code: result.exitCode, out: result.stdout.trim(), err: result.stderr.trim() };
};

describe(`${FOREIGN} programs in the build sandbox under qemu-user`, () => {
  it('runs them as the build user, emulated', async () => {
    expect(await inside(['uname', '-m'])).toEqual({ code: 0, out: MACHINE, err: '' });
    expect((await inside(['id', '-u'])).out).toBe('2000');
    // The program itself is of the foreign architecture (ELF e_machine).
    const uname = ['usr/bin/uname', 'bin/uname'].map((p) => path.join(tree, p)).find(existsSync)!;
    const machine = readFileSync(uname).readUInt16LE(18);
    expect(machine).toBe(MACHINE === 'aarch64' ? 0xb7 : 0x3e);
  });

  it('has no qemu inside: the kernel holds the interpreter (binfmt F flag)', async () => {
    const handler = execFileSync('cat', [`/proc/sys/fs/binfmt_misc/qemu-${MACHINE}`], {
      encoding: 'utf8',
    });
    expect(handler).toMatch(/^flags: .*F/m);
    const interpreter = /^interpreter (.+)$/m.exec(handler)![1]!;
    expect((await inside(['ls', interpreter])).code).not.toBe(0);
    expect((await inside(['ls', '/usr/bin'])).out.split('\n')).not.toContainEqual(
      expect.stringMatching(/qemu/),
    );
  });

  it('keeps the sandbox: root inside is not root outside, and there is no network but loopback', async () => {
    expect((await inside(['id', '-u'], 'root')).out).toBe('0');
    expect((await inside(['ls', '/sys/class/net'], 'root')).out).toBe('lo');
    expect((await inside(['touch', '/proc/sys/kernel/hostname'], 'root')).code).not.toBe(0);
  });
});
