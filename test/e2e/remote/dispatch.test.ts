import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import type { SchedulerPart } from '../../../src/app/parts/scheduler-part.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  adminToken,
  api,
  fixtureUpload,
  type FixtureUpload,
  persistentTempDir,
  startTestDaemon,
} from '../../fixtures/index.js';
import {
  importTestChroot,
  type PeerDaemon,
  PeerHost,
  testBaseTree,
  writeLoopbackDputConf,
} from '../../fixtures/subsystems.js';

/*
 * The scheduler with a remote peer: uploads (by dput) built on a debyard peer behind a
 * real sshd in a network namespace and installed into the local archive; the peer
 * killed mid-build, the build requeued and finished on this host. One build slot on
 * each side. About 3 minutes: the peer's chroot copy, four builds, a failover.
 */

const run = promisify(execFile);

let host: PeerHost;
let peer: PeerDaemon;
let root: string;
let local: Daemon;
let admin: string;
let codename: string;
let architecture: string;
let dputCf: string;

beforeAll(async () => {
  root = persistentTempDir('debyard-dispatch-');
  const home = path.join(root, 'home');
  ({ codename, architecture } = await importTestChroot(home));
  host = await PeerHost.create();
  peer = await host.startPeer({ DEBYARD_BUILD_PARALLELISM: '1' });
  await peer.seedChroot(codename, architecture, await testBaseTree());
  host.authorize(peer.apiPort);
  await host.startSshd();
  local = await startTestDaemon(home, {
    // The peer's builds take their build dependencies from this daemon's archive: it
    // listens on the host end of the veth pair, which only the namespace reaches.
    http: { listen: { host: host.hostAddress, port: 0 }, publicUrl: null },
    remotes: { checkIntervalSeconds: 2, checkTimeoutSeconds: 3, failoverTimeoutSeconds: 8 },
  });
  admin = await adminToken(local);
  const added = await host.addAsRemote(local.url, admin, peer);
  expect(added.status, JSON.stringify(added.body)).toBe(200);
  // The incoming (FTP) stays on loopback.
  dputCf = await writeLoopbackDputConf(local, path.join(root, 'dput.cf'));
}, 15 * 60_000);

afterAll(async () => {
  await local?.stop();
  await host?.cleanup();
  if (root && !process.env.KEEP) execFileSync('rm', ['-rf', root]);
});

const part = <T>(name: string) => local.parts.find((p) => p.name === name) as T;
const scheduler = () => part<SchedulerPart>('scheduler').scheduler;
const uploads = () => part<IncomingPart>('incoming').uploads;
const codeversion = () => ({ bookworm: '12', trixie: '13' })[codename] ?? 'SID';

async function dput(fixture: string, n: number): Promise<FixtureUpload> {
  const pkg = await fixtureUpload(root, fixture, {
    version: `1.0~test${codeversion()}+${n}`,
    distribution: `${codename}-test-unstable`,
  });
  await run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root },
  });
  return pkg;
}

async function uploadIn(pkg: FixtureUpload, states: string[]): Promise<UploadRecord> {
  let last: UploadRecord | undefined;
  await expect
    .poll(
      () => {
        last = uploads()
          .list({ limit: 1000 })
          .find((u) => u.changesFile === pkg.changes);
        return last?.state;
      },
      { timeout: 240_000, interval: 200 },
    )
    .toBeOneOf(states);
  return last!;
}

const buildOf = (upload: UploadRecord) => scheduler().list({ uploadId: upload.id })[0]!;

/** The .debs of a package in the local archive's pool. */
function pooled(pkg: string): string[] {
  const found = execFileSync('find', [local.layout.repos, '-name', `${pkg}_*.deb`], {
    encoding: 'utf8',
  });
  return found.split('\n').filter(Boolean);
}

describe('the scheduler with a remote peer over SSH', () => {
  let slow: UploadRecord;

  it('dispatches a build to the peer while this host is busy, and installs it here', async () => {
    // Both idle: the tie goes to this host; the next build to the peer, the only free one.
    slow = await uploadIn(await dput('slow', 1), ['BUILDING']);
    expect(buildOf(slow)).toMatchObject({ state: 'BUILDING', builder: 'local' });
    const pkg = await dput('hello-any', 1);
    const upload = await uploadIn(pkg, ['INSTALLED', 'FAILED']);
    const build = buildOf(upload);
    expect(upload.state, JSON.stringify(build)).toBe('INSTALLED');
    expect(build).toMatchObject({ state: 'BUILT', builder: 'p1', attempts: 1, architecture });
    const log = readFileSync(build.logFile!, 'utf8');
    expect(log).toContain(`Remote peer: peer p1 (${host.address}:22)`);
    expect(log).toContain(`wrote /etc/apt/sources.list.d/debyard-archive.sources`);
    expect(log).toMatch(/^Status: successful$/m);
    const [deb] = pooled('debyard-hello-any');
    expect(
      execFileSync('dpkg-deb', ['-f', deb!, 'Package', 'Architecture'], { encoding: 'utf8' }),
    ).toBe(`Package: debyard-hello-any\nArchitecture: ${architecture}\n`);
    expect(
      local.events
        .list({ buildId: build.id })
        .map((e) => e.message)
        .reverse(),
    ).toEqual([
      `building debyard-hello-any ${pkg.version} for ${architecture} on p1`,
      expect.stringMatching(/^built debyard-hello-any .* on p1/),
    ]);
  }, 300_000);

  it('requeues the build of a peer killed mid-build; it waits, visibly, then ends here', async () => {
    const pkg = await dput('nap', 1);
    const upload = await uploadIn(pkg, ['BUILDING']);
    const build = buildOf(upload);
    expect(build.builder).toBe('p1');
    await expect
      .poll(() => readFileSync(build.logFile!, 'utf8'), { timeout: 120_000, interval: 500 })
      .toContain('debyard-nap: sleeping');
    await peer.kill();

    // The peer is reported down and skipped: the build waits for this host's slot.
    await expect
      .poll(() => scheduler().build(build.id).waiting, { timeout: 30_000, interval: 200 })
      .toBe(`waiting: every builder for ${codename}/${architecture} is busy (local 1/1)`);
    const remotes = await api(local.url, 'remotes', { token: admin });
    expect(remotes.body).toMatchObject([{ name: 'p1', state: 'down' }]);
    const requeued = local.events.list({ buildId: build.id, types: ['PACKAGING'] })[0]!;
    expect(requeued.message).toMatch(
      new RegExp(
        `^build ${build.id} of debyard-nap .* queued again: peer p1 \\(${host.address.replace(/\./g, '\\.')}:22\\) lost the build: `,
      ),
    );
    expect(scheduler().build(build.id)).toMatchObject({ state: 'QUEUED', attempts: 1 });

    const cancelled = await api(local.url, 'cancel', {
      method: 'POST',
      input: { build: buildOf(slow).id },
      token: admin,
    });
    expect(cancelled.status).toBe(200);
    const done = await uploadIn(pkg, ['INSTALLED', 'FAILED']);
    expect(done.state, JSON.stringify(buildOf(done))).toBe('INSTALLED');
    expect(scheduler().build(build.id)).toMatchObject({
      state: 'BUILT',
      builder: 'local',
      attempts: 2,
    });
    const steps = local.events
      .list({ buildId: build.id })
      .reverse()
      .map((e) => e.type);
    expect(steps).toEqual(['BUILDING', 'PACKAGING', 'BUILDING', 'BUILT']);
    expect(pooled('debyard-nap')).toHaveLength(1);
  }, 300_000);
});
