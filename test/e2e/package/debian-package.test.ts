import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  persistentTempDir,
  readUnit,
  REPO_ROOT,
  unitPrivileges,
  unitValue,
  waitForExit,
} from '../../fixtures/index.js';
import {
  buildPackage,
  cleanSystem,
  dependencyNames,
  inSystemArgs,
  killProcessesIn,
} from '../../fixtures/subsystems.js';

const run = promisify(execFile);

/**
 * The .deb, end to end: dpkg-buildpackage in a copy of the checkout (npm ci included:
 * 3 to 6 minutes), lintian on it, installed with apt into a clean trixie system
 * (mmdebstrap, about 2 minutes the first time, then cached), the daemon started there
 * from the installed unit's ExecStart line with the unit's user and capabilities,
 * `debyard status` answering, then remove (state kept) and purge (state gone).
 */
const CODENAME = 'trixie';
let dir: string;
let deb: string;
let system: string;

beforeAll(async () => {
  dir = persistentTempDir('debyard-deb-');
  ({ deb } = await buildPackage(dir, 15 * 60_000));
  const depends = (await run('dpkg-deb', ['--field', deb, 'Depends'])).stdout;
  system = await cleanSystem(CODENAME, dependencyNames(depends), dir, 10 * 60_000);
}, 30 * 60_000);

afterAll(() => {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command inside the installed system. */
function inSystem(argv: string[], env: Record<string, string> = {}) {
  return run('unshare', inSystemArgs(system, argv), {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env },
    timeout: 120_000,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${argv.join(' ')} failed: ${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
}

describe('the Debian package', () => {
  it('is debyard_<version>_<arch>.deb with the daemon, its modules, unit and config', async () => {
    const version = (await run('dpkg-parsechangelog', ['-SVersion'], { cwd: REPO_ROOT })).stdout;
    const arch = (await run('dpkg', ['--print-architecture'])).stdout.trim();
    expect(path.basename(deb)).toBe(`debyard_${version.trim()}_${arch}.deb`);
    const contents = (await run('dpkg-deb', ['--contents', deb], { maxBuffer: 64 << 20 })).stdout;
    for (const file of [
      './usr/bin/debyard',
      './usr/lib/debyard/dist/app/main.js',
      './usr/lib/debyard/templates/archive/install.ejs',
      './usr/lib/debyard/static/debyard.css',
      './usr/lib/debyard/chroots/trixie.toml',
      './usr/lib/debyard/node_modules/better-sqlite3/package.json',
      './etc/debyard/debyard.toml',
    ]) {
      expect(contents).toContain(` ${file}\n`);
    }
    expect(contents).toMatch(/ \.\/(usr\/)?lib\/systemd\/system\/debyard\.service\n/);
    // Production modules only, and no binaries for other systems.
    expect(contents).not.toContain('/node_modules/typescript/');
    expect(contents).not.toContain('/node_modules/vitest/');
    expect(contents).not.toMatch(/prebuilds\/(win32|darwin)/);
  });

  it('has no lintian errors', async () => {
    const result = await run('lintian', ['--tag-display-limit', '0', deb], {
      maxBuffer: 64 << 20,
    }).catch((error: { stdout: string; code: number }) => error);
    const lines = result.stdout.split('\n').filter(Boolean);
    console.log(`lintian on ${path.basename(deb)}:\n${lines.join('\n')}`);
    expect(lines.filter((l) => l.startsWith('E:'))).toEqual([]);
  }, 300_000);

  it('installs into a clean trixie; the daemon runs from the unit, status answers; purge removes its state', async () => {
    const inside = path.join('/tmp', path.basename(deb));
    await run('cp', [deb, path.join(system, inside)]);
    const installed = await inSystem(
      ['apt-get', 'install', '-y', '--no-install-recommends', inside],
      {
        DEBIAN_FRONTEND: 'noninteractive',
      },
    );
    expect(installed.stdout).toMatch(/Setting up debyard /);

    const unitFile = ['usr/lib', 'lib']
      .map((d) => path.join(system, d, 'systemd/system/debyard.service'))
      .find((f) => existsSync(f))!;
    const unit = readUnit(unitFile);
    const passwd = readFileSync(path.join(system, 'etc/passwd'), 'utf8');
    const [, , uid, gid, , userHome] = passwd.match(/^debyard:.*$/m)![0].split(':');
    expect(userHome).toBe('/var/lib/debyard');
    const home = path.join(system, 'var/lib/debyard');
    expect(statSync(home).uid).toBe(Number(uid));

    // As systemd would start it: the unit's user, capabilities and ExecStart line; the
    // ports and chroot creation changed through the environment (as a drop-in would).
    const argv = [
      ...unitPrivileges(unit, Number(uid), Number(gid)),
      ...unitValue(unit, 'ExecStart').split(' '),
    ];
    const child = spawn('unshare', inSystemArgs(system, argv), {
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: userHome!,
        DEBYARD_HTTP: '127.0.0.1:0',
        DEBYARD_FTP: '127.0.0.1:0',
        DEBYARD_CHROOTS_AUTO_CREATE: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      let started: { http: string; version?: string } | undefined;
      await expect
        .poll(
          () => {
            const line = output.split('\n').find((l) => l.includes('"msg":"debyard started"'));
            started = line ? JSON.parse(line) : undefined;
            return started !== undefined || child.exitCode !== null;
          },
          { timeout: 60_000, interval: 200 },
        )
        .toBe(true);
      expect(started, output).toBeDefined();
      const status = await inSystem([
        'debyard',
        'status',
        '--server',
        `http://${started!.http}`,
        '--json',
      ]);
      const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
      expect(JSON.parse(status.stdout)).toMatchObject({ version: manifest.version });
      expect(statSync(path.join(home, 'debyard.db')).uid).toBe(Number(uid));
      expect(statSync(path.join(home, 'admin-password')).mode & 0o777).toBe(0o600);
    } finally {
      child.kill('SIGKILL');
      await waitForExit(child, 10_000);
      // Until nothing runs in the tree any more (each round kills what is left).
      await expect.poll(() => killProcessesIn(system), { timeout: 10_000, interval: 200 }).toBe(0);
    }

    await inSystem(['dpkg', '--remove', 'debyard']);
    expect(existsSync(path.join(home, 'debyard.db'))).toBe(true);
    expect(existsSync(path.join(system, 'usr/lib/debyard'))).toBe(false);
    await inSystem(['dpkg', '--purge', 'debyard']);
    expect(existsSync(home)).toBe(false);
    expect(existsSync(path.join(system, 'etc/debyard'))).toBe(false);
  }, 180_000);
});
