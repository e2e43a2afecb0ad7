import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostId } from '../../../src/chroot/id-map.js';
import { Sandbox, type SandboxStep } from '../../../src/chroot/sandbox.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { PtyRunner } from '../../../src/exec/pty-runner.js';
import { ExternalCommandError } from '../../../src/shared/errors.js';
import { tempDir, treeChecksum } from '../../fixtures/index.js';
import { mountsBelow, processesUnder, testBaseTree } from '../../fixtures/subsystems.js';

const runner = new LocalRunner();
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' };
const BUILDER = { uid: 2000, gid: 2000 };

let base: string;
let checksum: string;
beforeAll(async () => {
  base = await testBaseTree();
  checksum = treeChecksum(base);
}, 15 * 60_000);
afterAll(() => {
  // Nothing any test did inside a snapshot reached the base.
  expect(treeChecksum(base)).toBe(checksum);
});

async function open(
  dir = tempDir(),
): Promise<{ sandbox: Sandbox; workDir: string; buildDir: string }> {
  const workDir = path.join(dir, 'snapshot');
  const buildDir = path.join(dir, 'build');
  mkdirSync(buildDir, { mode: 0o755 });
  chownSync(buildDir, hostId(0), hostId(0)); // the sandbox's root owns it
  const sandbox = await Sandbox.open(
    { tree: base, mode: 'overlay', workDir, binds: [{ source: buildDir, target: '/build' }] },
    runner,
  );
  return { sandbox, workDir, buildDir };
}

async function sh(
  sandbox: Sandbox,
  script: string,
  step: Partial<SandboxStep> = {},
): Promise<string> {
  const result = await sandbox.run({ argv: ['sh', '-c', script], env: ENV, ...step }, runner);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

describe('Sandbox', () => {
  it('isolates mounts, processes, host name and network, and drops root for the build user', async () => {
    const { sandbox, workDir } = await open();
    try {
      expect(
        await sh(sandbox, 'hostname; cat /etc/debian_version >/dev/null && echo chrooted'),
      ).toBe('debyard\nchrooted\n');
      // Only the holder (pid 1) and this step's own processes exist in its pid namespace.
      const pids = (await sh(sandbox, 'ls /proc | grep -E "^[0-9]+$" | sort -n'))
        .trim()
        .split('\n')
        .map(Number);
      expect(pids[0]).toBe(1);
      expect(pids.length).toBeLessThanOrEqual(6);
      expect(
        await sh(sandbox, 'id -u; id -G; test -w /etc || echo no-etc', { user: BUILDER }),
      ).toBe('2000\n2000\nno-etc\n');
      expect(
        await sh(sandbox, 'ls /dev | tr "\\n" " "; test -c /dev/null && echo', { user: BUILDER }),
      ).toMatch(/^fd full null ptmx pts random shm stderr stdin stdout tty urandom zero $/m);
      expect(await sh(sandbox, 'grep -c "" /proc/net/dev')).toBe('3\n'); // 2 header lines + lo
      // Network means the mirror proxy on the sandbox's own loopback, nothing more.
      const withNetwork = await sh(sandbox, 'grep -c "" /proc/net/dev; echo $http_proxy', {
        network: true,
      });
      expect(withNetwork).toMatch(/^3\nhttp:\/\/127\.0\.0\.1:\d+\/\n$/);
      // The sandbox's mounts exist only in its own mount namespace.
      expect(mountsBelow(workDir)).toEqual([]);
      expect(await sh(sandbox, 'grep -c " /build " /proc/self/mountinfo')).toBe('1\n');
    } finally {
      await sandbox.close();
    }
    expect(existsSync(workDir)).toBe(false);
    expect(processesUnder(workDir)).toEqual([]);
  });

  it('cannot reach a server on the host loopback, with or without network', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.on('error', () => {});
      socket.end('hello\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const { sandbox } = await open();
    try {
      const probe = `perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(PeerAddr => "127.0.0.1:${port}", Timeout => 3) ? "reached\\n" : "unreachable\\n"'`;
      expect(await sh(sandbox, probe, { user: BUILDER })).toBe('unreachable\n');
      expect(connections).toBe(0);
      expect(await sh(sandbox, probe, { network: true })).toBe('unreachable\n');
      expect(connections).toBe(0);
    } finally {
      await sandbox.close();
      server.close();
    }
  });

  it('keeps two snapshots of one base apart', async () => {
    const a = await open();
    const b = await open();
    try {
      await sh(a.sandbox, 'echo a > /etc/only-in-a; echo a > /build/file; echo a > /tmp/file');
      writeFileSync(path.join(b.buildDir, 'host-made'), 'b');
      expect(
        await sh(
          b.sandbox,
          'ls /build; test -e /etc/only-in-a || echo no-a; cat /tmp/file 2>/dev/null || echo no-tmp',
        ),
      ).toBe('host-made\nno-a\nno-tmp\n');
      expect(await sh(a.sandbox, 'cat /etc/only-in-a /build/file')).toBe('a\na\n');
    } finally {
      await Promise.all([a.sandbox.close(), b.sandbox.close()]);
    }
  });

  it('ends every process of the sandbox at once when killed', async () => {
    const { sandbox, workDir } = await open();
    let output = '';
    const step = sandbox.run(
      {
        argv: ['sh', '-c', 'setsid sleep 600 & sleep 600 & echo started; wait'],
        env: ENV,
        user: BUILDER,
        onOutput: (text) => (output += text),
      },
      new PtyRunner(),
    );
    await expect.poll(() => output, { timeout: 10_000 }).toContain('started');
    sandbox.kill();
    const result = await step;
    expect(result.exitCode).not.toBe(0);
    await sandbox.close();
    expect(processesUnder(workDir)).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  });

  it('reports a sandbox that cannot be set up, leaving nothing behind', async () => {
    const dir = tempDir();
    const workDir = path.join(dir, 'snapshot');
    const error = await Sandbox.open(
      { tree: path.join(dir, 'no-such-tree'), mode: 'overlay', workDir },
      runner,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalCommandError);
    expect((error as Error).message).toMatch(
      /^setting up the chroot sandbox exited with status \d+:\n.*mount/s,
    );
    expect(existsSync(workDir)).toBe(false);
  });

  it('refuses paths overlayfs cannot take', async () => {
    await expect(
      Sandbox.open({ tree: '/srv/a,b', mode: 'overlay', workDir: tempDir() }, runner),
    ).rejects.toThrow(
      '/srv/a,b cannot hold a chroot: overlayfs does not allow commas, colons, backslashes or blanks in its paths',
    );
  });
});
