import { execFile } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectHostSystem } from '../../../src/config/host-system.js';
import {
  api,
  fixtureUpload,
  persistentTempDir,
  readUnit,
  spawnDaemon,
  type SpawnedDaemon,
  unitPrivileges,
  unitValue,
  waitForExit,
} from '../../fixtures/index.js';
import { importTestChroot, mountsBelow } from '../../fixtures/subsystems.js';

const run = promisify(execFile);

/**
 * A build under exactly the privileges debian/debyard.service gives the daemon: not
 * root, but a system user with the unit's ambient capabilities, bounding set and
 * no_new_privs (setpriv; a uid without a passwd entry stands in for `debyard`). Costs
 * about a minute (one build of hello-any in the cached test chroot).
 */
const UID = 64_123;
let root: string;
let home: string;
let daemon: SpawnedDaemon;

beforeAll(async () => {
  root = persistentTempDir('debyard-unit-');
  chmodSync(root, 0o755); // as /var/lib is: the user reaches its home
  home = path.join(root, 'home');
  await importTestChroot(home);
  // What the package's postinst makes: the home belongs to the daemon's user; the base
  // chroots in it are root's (mmdebstrap made them as uid 0).
  chownSync(home, UID, UID);
  chownSync(path.join(home, 'debyard.db'), UID, UID);
  const unit = readUnit();
  daemon = await spawnDaemon(
    ['--home', home],
    { HOME: home, DEBYARD_IDENTITY: 'unityard', DEBYARD_LOG_LEVEL: 'info' },
    { prefix: unitPrivileges(unit, UID, UID) },
  );
}, 15 * 60_000);

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  if (daemon) await waitForExit(daemon.child, 30_000);
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

describe('the systemd unit', () => {
  it('runs the daemon as its own user with only the capabilities it lists', () => {
    const unit = readUnit();
    expect(unitValue(unit, 'User')).toBe('debyard');
    expect(unitValue(unit, 'AmbientCapabilities')).toBe(unitValue(unit, 'CapabilityBoundingSet'));
    expect(unitValue(unit, 'ExecStart')).toBe(
      '/usr/bin/debyard daemon --config /etc/debyard/debyard.toml',
    );
    const status = readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${UID}\\s+${UID}\\s+${UID}\\s+${UID}$`, 'm'));
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // Not root's full set: CAP_SYS_MODULE (16), CAP_SYS_RAWIO (17), CAP_SYS_BOOT (22) … are out.
    const bounding = BigInt(`0x${/^CapBnd:\s+(\w+)$/m.exec(status)![1]}`);
    for (const bit of [16n, 17n, 22n, 25n]) expect((bounding >> bit) & 1n).toBe(0n);
    expect(statSync(path.join(home, 'debyard.db')).uid).toBe(UID);
    expect(statSync(path.join(home, 'admin-password')).uid).toBe(UID);
  });

  it('builds an upload and installs it under those privileges', async () => {
    const { codename, architecture } = detectHostSystem();
    const codeversion = { bookworm: '12', trixie: '13' }[codename] ?? 'SID';
    const dputCf = path.join(root, 'dput.cf');
    writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
    const pkg = await fixtureUpload(root, 'hello-any', {
      version: `1.0~test${codeversion}+1`,
      distribution: `${codename}-test-unstable`,
    });
    await run('dput', ['-U', '-c', dputCf, 'debyard-unityard-test', pkg.changes], {
      cwd: pkg.dir,
      env: { ...process.env, HOME: root },
    });
    let types: string[] = [];
    await expect
      .poll(
        async () => {
          const events = await api(daemon.url, 'events', {
            input: { source: pkg.source, limit: 100 },
          });
          types = (events.body as { type: string }[]).map((e) => e.type).reverse();
          return types.find((t) => t === 'INSTALLED' || t === 'FAILED' || t === 'REJECTED');
        },
        { timeout: 180_000, interval: 500 },
      )
      .toBeDefined();
    const builds = await api(daemon.url, 'builds', { input: { source: pkg.source } });
    expect(
      types.filter((t) => t !== 'PUBLISHED'),
      JSON.stringify(builds.body),
    ).toEqual(['ACCEPTED', 'PACKAGING', 'BUILDING', 'BUILT', 'INSTALLED']);
    const log = await (
      await fetch(`${daemon.url}/api/v1/build_log?build=${builds.body[0].id}`)
    ).text();
    expect(log).toMatch(/^Status: successful$/m);
    expect(log).toContain(`dpkg-buildpackage`);
    const deb = `debyard-hello-any_${pkg.version}_${architecture}.deb`;
    const pool = path.join(home, 'repos', 'test', 'pool', 'main', 'd', 'debyard-hello-any', deb);
    // Files the daemon writes are its user's; the snapshot went with its mounts.
    expect(statSync(pool).uid).toBe(UID);
    expect(mountsBelow(home)).toEqual([]);
  }, 240_000);
});
