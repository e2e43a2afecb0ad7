import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { RemotesPart } from '../../../src/app/parts/remotes-part.js';
import type { ChrootsPart } from '../../../src/app/parts/chroots-part.js';
import type { Builder } from '../../../src/builder/builder.js';
import { readChangesFiles } from '../../../src/builder/control-files.js';
import type { ChrootKey } from '../../../src/chroot/chroot-paths.js';
import { RemotePeerError } from '../../../src/shared/errors.js';
import {
  adminToken,
  fixtureSource,
  followLog,
  persistentTempDir,
  startTestDaemon,
} from '../../fixtures/index.js';
import {
  buildRequest,
  type PeerDaemon,
  PeerHost,
  testBaseTree,
  testKey,
} from '../../fixtures/subsystems.js';

/*
 * Builds on a remote peer: a debyard daemon in a network namespace behind a real sshd,
 * its chroot copied from the cached test base (about 11 s), builds sent to it through
 * the SSH tunnel by the local daemon's RemoteBuilder. About a minute in all.
 */

let host: PeerHost;
let peer: PeerDaemon;
let local: Daemon;
let admin: string;
let home: string;
let key: ChrootKey;
let builder: Builder;

beforeAll(async () => {
  key = await testKey();
  const base = await testBaseTree();
  host = await PeerHost.create();
  peer = await host.startPeer({ DEBYARD_BUILD_PARALLELISM: '1' });
  await peer.seedChroot(key.codename, key.architecture, base);
  host.authorize(peer.apiPort);
  await host.startSshd();
  home = persistentTempDir('debyard-local-');
  local = await startTestDaemon(home, {
    remotes: { checkIntervalSeconds: 2, checkTimeoutSeconds: 3, failoverTimeoutSeconds: 8 },
  });
  admin = await adminToken(local);
  const added = await host.addAsRemote(local.url, admin, peer);
  expect(added.status).toBe(200);
  builder = remotes().builders()[0]!;
}, 15 * 60_000);

afterAll(async () => {
  await local?.stop();
  await host?.cleanup();
  execFileSync('rm', ['-rf', home]);
});

const remotes = () => (local.parts.find((p) => p.name === 'remotes') as RemotesPart).remotes;
const liveLogs = () => (local.parts.find((p) => p.name === 'chroots') as ChrootsPart).liveLogs;
const peerJobs = async () =>
  JSON.parse(await peer.cli(['peer-jobs', '--json', '--token', await peer.adminToken()])) as {
    job: string;
  }[];

describe('builds on a remote peer', () => {
  it('offers the peer as a builder of its ready chroot, with its capacity', () => {
    expect(builder.name).toBe('p1');
    expect(builder.available()).toBe(true);
    expect(builder.capacity()).toBe(1);
    expect(builder.readyChroots()).toEqual([key]);
  });

  it('builds on the peer: the log comes back live, the results are fetched and checked', async () => {
    const request = buildRequest(fixtureSource('hello-any'), key);
    const building = builder.build(request, new AbortController().signal);
    await expect.poll(() => liveLogs().isLive(request.id), { timeout: 20_000 }).toBe(true);
    const follower = followLog(liveLogs(), request.id, request.logFile);
    const result = await building;
    const live = await follower.ended;
    expect(result).toMatchObject({
      id: request.id,
      status: 'successful',
      failStage: null,
      package: 'debyard-hello-any',
      architecture: key.architecture,
      logFile: request.logFile,
    });
    const changes = result.changes!;
    expect(path.dirname(changes)).toBe(request.resultDir);
    const listed = readChangesFiles(readFileSync(changes, 'utf8'), path.basename(changes));
    expect(result.files).toEqual([
      changes,
      ...listed.map((f) => path.join(request.resultDir, f.name)),
    ]);
    // The .changes' checksums hold for what arrived (the builder checked; so does sha256sum).
    for (const file of listed) {
      const sum = execFileSync('sha256sum', [path.join(request.resultDir, file.name)], {
        encoding: 'utf8',
      });
      expect(sum.split(' ')[0]).toBe(file.sha256);
    }
    const deb = result.files.find((f) => /\/debyard-hello-any_[^/]*\.deb$/.test(f))!;
    expect(execFileSync('dpkg-deb', ['-f', deb, 'Package'], { encoding: 'utf8' }).trim()).toBe(
      'debyard-hello-any',
    );
    const log = readFileSync(request.logFile, 'utf8');
    expect(live).toBe(log);
    expect(log).toContain(`Remote peer: peer p1 (${host.address}:22)`);
    expect(log).toContain('Peer daemon: peeryard (debyard ');
    expect(log).toMatch(/^\$ dpkg-buildpackage --no-sign -B /m);
    expect(log).toMatch(/^Status: successful$/m);
    expect(log).toContain(`Checked against ${path.basename(changes)}.`);
    await expect.poll(peerJobs, { timeout: 10_000 }).toEqual([]);
  }, 300_000);

  it('reports a failing package in the result, as the local builder does', async () => {
    const result = await builder.build(
      buildRequest(fixtureSource('fails'), key),
      new AbortController().signal,
    );
    expect(result).toMatchObject({
      status: 'attempted',
      failStage: 'build',
      reason: 'dpkg-buildpackage failed (exit status 2)',
      changes: null,
      files: [],
    });
  }, 300_000);

  it('cancels a build on the peer; refuses a second one while its slot is taken', async () => {
    const request = buildRequest(fixtureSource('slow'), key);
    const controller = new AbortController();
    const building = builder.build(request, controller.signal);
    building.catch(() => {}); // awaited below; a rejection is the test's failure then
    await expect
      .poll(() => readFileSync(request.logFile, 'utf8'), { timeout: 120_000, interval: 500 })
      .toContain('debyard-slow: sleeping');
    const second = await builder
      .build(buildRequest(fixtureSource('hello-any'), key), controller.signal)
      .catch((error: unknown) => error);
    expect(second).toBeInstanceOf(RemotePeerError);
    expect((second as Error).message).toBe(
      `peer p1 (${host.address}:22): creating a build job failed: this peer is busy: 1 of 1 builds running`,
    );
    controller.abort(new Error('cancelled by admin'));
    const result = await building;
    expect(result).toMatchObject({
      status: 'cancelled',
      reason: 'cancelled: cancelled by admin',
      files: [],
    });
    await expect.poll(peerJobs, { timeout: 10_000 }).toEqual([]);
  }, 300_000);

  it('fails the build over when the peer dies mid-build, and marks the peer down', async () => {
    const request = buildRequest(fixtureSource('slow'), key);
    const building = builder.build(request, new AbortController().signal);
    const outcome = building.then(
      () => null,
      (error: unknown) => error,
    );
    await expect
      .poll(() => readFileSync(request.logFile, 'utf8'), { timeout: 120_000, interval: 500 })
      .toContain('debyard-slow: sleeping');
    const killed = Date.now();
    await peer.kill();
    const error = await outcome;
    const waited = Date.now() - killed;
    expect(error).toBeInstanceOf(RemotePeerError);
    expect((error as Error).message).toMatch(
      new RegExp(`^peer p1 \\(${host.address.replace(/\./g, '\\.')}:22\\) lost the build: `),
    );
    // Within the failover timeout (8 s), or sooner when a check finds the peer down.
    expect(waited).toBeLessThan(15_000);
    expect(builder.available()).toBe(false);
    expect(liveLogs().isLive(request.id)).toBe(false);
    const log = readFileSync(request.logFile, 'utf8');
    expect(log).toContain(`E: ${(error as Error).message}`);
    expect(log).toContain('The build is given back to be built elsewhere.');
    const events = local.events.list({ types: ['PEER'] }).map((e) => e.message);
    expect(events).toContainEqual(expect.stringMatching(/^remote peer p1 is down: /));
  }, 300_000);
});
