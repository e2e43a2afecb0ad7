import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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
  codeversionOf,
  fixtureUpload,
  type FixtureUpload,
  persistentTempDir,
  startTestDaemon,
} from '../../fixtures/index.js';
import {
  importEmptyChroot,
  type PeerDaemon,
  PeerHost,
  testHost,
  writeLoopbackDputConf,
} from '../../fixtures/subsystems.js';

/*
 * Builder choice by architecture across SSH: a second debyard daemon, behind a real sshd
 * in a network namespace, says it builds arm64 natively (`chroots.native_architectures`);
 * this daemon could build arm64 only under emulation (its arm64 chroot is an empty tree,
 * so a build that ran here would fail at once). The arm64 build goes to the peer; with
 * the peer down, the next one is emulated here. Which builder took a build is what is
 * checked, so each build is cancelled or left to fail rather than waited for.
 */

const FOREIGN = 'arm64';
const run = promisify(execFile);
const { codename } = testHost();

let host: PeerHost;
let peer: PeerDaemon;
let root: string;
let local: Daemon;
let admin: string;
let dputCf: string;

beforeAll(async () => {
  root = persistentTempDir('debyard-native-peer-');
  const home = path.join(root, 'home');
  // This host's arm64 chroot: empty (a build sent here fails at once), ready.
  importEmptyChroot(home, { codename, architecture: FOREIGN });

  host = await PeerHost.create();
  const peerConfig = path.join(root, 'peer.toml');
  writeFileSync(peerConfig, `[chroots]\nnative_architectures = ["${FOREIGN}"]\n`);
  peer = await host.startPeer({ DEBYARD_BUILD_PARALLELISM: '1', DEBYARD_CONFIG: peerConfig });
  // The peer's arm64 chroot: a tree that passes for one (what `--from` checks) but has
  // nothing to run, so its builds fail at once; only the choice of builder is tested.
  await peer.seedChroot(codename, FOREIGN, fakeArm64Tree(path.join(root, 'fake-arm64')));
  host.authorize(peer.apiPort);
  await host.startSshd();
  local = await startTestDaemon(home, {
    http: { listen: { host: host.hostAddress, port: 0 }, publicUrl: null },
    remotes: { checkIntervalSeconds: 2, checkTimeoutSeconds: 3, failoverTimeoutSeconds: 8 },
  });
  admin = await adminToken(local);
  const changed = await api(local.url, 'distribution_update', {
    method: 'POST',
    token: admin,
    input: { repo: 'test', codename, architectures: FOREIGN },
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  const added = await host.addAsRemote(local.url, admin, peer);
  expect(added.status, JSON.stringify(added.body)).toBe(200);
  dputCf = await writeLoopbackDputConf(local, path.join(root, 'dput.cf'));
}, 15 * 60_000);

afterAll(async () => {
  await local?.stop();
  await host?.cleanup();
  if (root && !process.env.KEEP) execFileSync('rm', ['-rf', root]);
});

/** The files `chroot-create --from` looks at, claiming dpkg for arm64 and this codename. */
function fakeArm64Tree(dir: string): string {
  for (const sub of ['usr/bin', 'var/lib/dpkg', 'etc'])
    mkdirSync(path.join(dir, sub), { recursive: true });
  for (const tool of ['dpkg-buildpackage', 'apt-get'])
    writeFileSync(path.join(dir, 'usr/bin', tool), '');
  writeFileSync(
    path.join(dir, 'var/lib/dpkg/status'),
    `Package: dpkg\nStatus: install ok installed\nArchitecture: ${FOREIGN}\nVersion: 1.21.22\n`,
  );
  writeFileSync(path.join(dir, 'etc/os-release'), `VERSION_CODENAME=${codename}\n`);
  return dir;
}

const part = <T>(name: string) => local.parts.find((p) => p.name === name) as T;
const scheduler = () => part<SchedulerPart>('scheduler').scheduler;
const uploads = () => part<IncomingPart>('incoming').uploads;

async function dput(n: number): Promise<FixtureUpload> {
  const pkg = await fixtureUpload(root, 'hello-any', {
    version: `1.0~test${codeversionOf(codename)}+${n}`,
    distribution: `${codename}-test-unstable`,
  });
  await run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root },
  });
  return pkg;
}

/** The upload of a .changes once its (only) build started somewhere. */
async function started(pkg: FixtureUpload): Promise<UploadRecord> {
  let upload: UploadRecord | undefined;
  await expect
    .poll(
      () => {
        upload = uploads()
          .list({ limit: 1000 })
          .find((u) => u.changesFile === pkg.changes);
        return upload ? local.events.list({ uploadId: upload.id, types: ['BUILDING'] }).length : 0;
      },
      { timeout: 120_000, interval: 200 },
    )
    .toBeGreaterThan(0);
  return upload!;
}

const firstBuilding = (upload: UploadRecord) =>
  local.events.list({ uploadId: upload.id, types: ['BUILDING'], limit: 100 }).at(-1)!.message;

describe('a native peer before emulation, over SSH', () => {
  it('sends the arm64 build to the peer that builds arm64 natively, not to emulation here', async () => {
    // The peer's status (with its native architectures) comes with its first health check.
    await expect
      .poll(
        async () => {
          const status = await api(local.url, 'status');
          return (status.body.builders as { name: string; native?: string[] }[]).find(
            (b) => b.name === 'p1',
          )?.native;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toEqual([FOREIGN]);
    const upload = await started(await dput(1));
    expect(firstBuilding(upload)).toMatch(new RegExp(`for ${FOREIGN} on p1$`));
    const [build] = scheduler().list({ uploadId: upload.id });
    expect(build).toMatchObject({ architecture: FOREIGN, builder: 'p1', emulated: false });
    // Only the choice matters here: the build ends (cancelled, or failed on its own).
    await api(local.url, 'cancel', { method: 'POST', input: { upload: upload.id }, token: admin });
    await expect
      .poll(() => uploads().get(upload.id).state, { timeout: 120_000, interval: 500 })
      .toBeOneOf(['FAILED', 'INSTALLED']);
  }, 300_000);

  it('emulates here once the native peer is down, and says so', async () => {
    await peer.kill();
    await expect
      .poll(async () => (await api(local.url, 'remotes', { token: admin })).body[0]?.state, {
        timeout: 60_000,
        interval: 500,
      })
      .toBe('down');
    const upload = await started(await dput(2));
    expect(firstBuilding(upload)).toMatch(new RegExp(`for ${FOREIGN} on local \\(emulated\\)$`));
    expect(scheduler().list({ uploadId: upload.id })[0]).toMatchObject({
      builder: 'local',
      emulated: true,
    });
    await expect
      .poll(() => uploads().get(upload.id).state, { timeout: 120_000, interval: 500 })
      .toBe('FAILED');
  }, 300_000);
});
