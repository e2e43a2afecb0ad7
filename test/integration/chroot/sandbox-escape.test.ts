import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostId } from '../../../src/chroot/id-map.js';
import { allowList } from '../../../src/chroot/mirror-proxy.js';
import { Sandbox, type SandboxStep } from '../../../src/chroot/sandbox.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { tempDir } from '../../fixtures/index.js';
import { testBaseTree } from '../../fixtures/subsystems.js';

/**
 * Root in a sandbox attacks the host the ways issue 23 found open: chroot escapes, host
 * files, host loopback services, mounts, devices, setuid. Every attempt must fail.
 */
const runner = new LocalRunner();
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' };

let base: string;
let server: Server;
let port: number;
const requests: string[] = [];
beforeAll(async () => {
  base = await testBaseTree();
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.end(request.url === '/mirror/ok' ? 'mirror file\n' : 'secret of the daemon\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}, 15 * 60_000);
afterAll(() => server?.close());

async function open(): Promise<{ sandbox: Sandbox; buildDir: string }> {
  const dir = tempDir();
  const buildDir = path.join(dir, 'build');
  mkdirSync(buildDir);
  const sandbox = await Sandbox.open(
    {
      tree: base,
      mode: 'overlay',
      workDir: path.join(dir, 'snapshot'),
      binds: [{ source: buildDir, target: '/build', readOnly: true }],
      mirrors: allowList([`http://127.0.0.1:${port}/mirror/`]),
    },
    runner,
  );
  return { sandbox, buildDir };
}

async function rootSh(sandbox: Sandbox, script: string, step: Partial<SandboxStep> = {}) {
  const result = await sandbox.run({ argv: ['sh', '-c', script], env: ENV, ...step }, runner);
  return { out: result.stdout + result.stderr, code: result.exitCode };
}

describe('root in a sandbox', () => {
  it('is an unprivileged id of the host with no_new_privs', async () => {
    const { sandbox } = await open();
    try {
      const { out } = await rootSh(
        sandbox,
        'id -u; cat /proc/self/uid_map; grep NoNewPrivs /proc/self/status; echo x > /etc/made-by-root; stat -c %u /etc/made-by-root',
      );
      expect(out).toMatch(/^0\n\s+0\s+1879048192\s+65536\nNoNewPrivs:\s+1\n0\n$/);
    } finally {
      await sandbox.close();
    }
  });

  it('cannot climb out of its root, read host files or write to the host', async () => {
    const marker = `/tmp/debyard-host-marker-${randomBytes(6).toString('hex')}`;
    const written = `/tmp/debyard-written-${randomBytes(6).toString('hex')}`;
    writeFileSync(marker, 'host only\n', { mode: 0o600 });
    const { sandbox } = await open();
    try {
      // The classic escape: chroot into a subfolder, then climb up past the old root.
      const escape = String.raw`
        mkdir -p /tmp/jail && cd /
        perl -e 'chroot("/tmp/jail") or die; chdir("..") for 1..64; chroot(".") or die; exec @ARGV' \
          sh -c 'cat ${marker} 2>&1; echo owned > ${written} 2>&1; ls /work /var/lib/debyard 2>&1; echo done'
      `;
      const { out } = await rootSh(sandbox, escape);
      expect(out).toContain('done');
      expect(out).not.toContain('host only');
      expect(out).toMatch(/No such file or directory/);
      expect(existsSync(written)).toBe(false);
      // The host's processes and file systems are not in view either.
      const view = await rootSh(
        sandbox,
        'ls /proc | grep -cE "^[0-9]+$"; ls /sys/class/net; cat /proc/1/cmdline | tr "\\0" " "; echo',
      );
      expect(view.out).toMatch(/^\d\nlo\nsh -c /);
    } finally {
      await sandbox.close();
      rmSync(marker, { force: true });
      rmSync(written, { force: true });
    }
  });

  it('cannot undo its mounts, make devices or reach the host loopback', async () => {
    const { sandbox, buildDir } = await open();
    try {
      const mounts = await rootSh(
        sandbox,
        'touch /build/x 2>&1; mount -o remount,rw /build 2>&1 && echo remounted; umount /build 2>&1 && echo unmounted; mknod /tmp/disk b 254 0 2>&1 && echo made; true',
      );
      expect(mounts.out).toMatch(/Read-only file system/);
      expect(mounts.out).not.toMatch(/remounted|unmounted|made/);
      expect(existsSync(path.join(buildDir, 'x'))).toBe(false);

      const probe = `perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(PeerAddr => "127.0.0.1:${port}", Timeout => 3) ? "reached\\n" : "unreachable\\n"'`;
      expect((await rootSh(sandbox, probe)).out).toBe('unreachable\n');
      expect((await rootSh(sandbox, probe, { network: true })).out).toBe('unreachable\n');
      expect(requests).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('reaches its mirrors through the proxy, and nothing else', async () => {
    const { sandbox } = await open();
    try {
      const get = (url: string) => String.raw`
        perl -MIO::Socket::INET -e '
          my ($host, $port) = $ENV{http_proxy} =~ m{//([^:/]+):(\d+)};
          my $s = IO::Socket::INET->new(PeerAddr => "$host:$port", Timeout => 5) or die "no proxy\n";
          print $s "GET ${url} HTTP/1.0\r\n\r\n";
          my $status = <$s>; my $body = join "", <$s>; $body =~ s/.*\r\n\r\n//s;
          print $status =~ m{ (\d{3}) } ? "$1 $body" : "none\n";'`;
      const ok = await rootSh(sandbox, get(`http://127.0.0.1:${port}/mirror/ok`), {
        network: true,
      });
      expect(ok.out).toBe('200 mirror file\n');
      let refusals = '';
      const refused = await rootSh(sandbox, get(`http://127.0.0.1:${port}/api/secret`), {
        network: true,
        onOutput: (text) => (refusals += text),
      });
      expect(refused.out).toMatch(/^403 debyard: .* is not one of this sandbox's apt sources/m);
      expect(refusals).toContain(`debyard: refused GET http://127.0.0.1:${port}/api/secret`);
      const climbing = await rootSh(sandbox, get(`http://127.0.0.1:${port}/mirror/%2e%2e/api`), {
        network: true,
      });
      expect(climbing.out).toMatch(/^403 /);
      expect(requests).toEqual(['/mirror/ok']);
    } finally {
      await sandbox.close();
    }
  });

  it('leaves files owned by its ids on the host', async () => {
    const dir = tempDir();
    const buildDir = path.join(dir, 'build');
    mkdirSync(buildDir);
    chownSync(buildDir, hostId(0), hostId(0));
    const sandbox = await Sandbox.open(
      {
        tree: base,
        mode: 'overlay',
        workDir: path.join(dir, 'snapshot'),
        binds: [{ source: buildDir, target: '/build' }],
      },
      runner,
    );
    try {
      await rootSh(sandbox, 'echo root > /build/by-root');
      expect(lstatSync(path.join(buildDir, 'by-root')).uid).toBe(hostId(0));
    } finally {
      await sandbox.close();
    }
  });
});
