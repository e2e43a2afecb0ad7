import { execFile } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { ArchiveConfigPart } from '../../../src/app/parts/archive-config-part.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import type { SchedulerPart } from '../../../src/app/parts/scheduler-part.js';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  adminToken,
  api,
  createSigner,
  fixtureUpload,
  type FixtureUpload,
  IsolatedApt,
  persistentTempDir,
  signUpload,
  startTestDaemon,
  tempDir,
} from '../../fixtures/index.js';
import { cli, importTestChroot, mountsBelow, processesUnder } from '../../fixtures/subsystems.js';

const run = promisify(execFile);

let root: string;
let daemon: Daemon;
let incoming: IncomingPart;
let scheduler: SchedulerPart;
let codename: string;
let architecture: string;
let dputCf: string;
let token: string;

beforeAll(async () => {
  root = persistentTempDir('debyard-pipeline-');
  const home = path.join(root, 'home');
  ({ codename, architecture } = await importTestChroot(home));
  daemon = await startTestDaemon(home);
  incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
  token = await adminToken(daemon);
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

const codeversion = () => ({ bookworm: '12', trixie: '13' })[codename] ?? 'SID';

/** Uploads a fixture with Debian's dput to the test repository's unstable. */
async function dput(fixture: string, n: number, lines: string[] = []): Promise<FixtureUpload> {
  const pkg = await fixtureUpload(root, fixture, {
    version: `1.0~test${codeversion()}+${n}`,
    distribution: `${codename}-test-unstable`,
    lines,
  });
  await run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root },
  });
  return pkg;
}

/** The upload of a .changes once it reached one of `states`. */
async function uploadIn(
  changes: string,
  states: string[],
  timeoutMs = 120_000,
): Promise<UploadRecord> {
  let last: UploadRecord | undefined;
  await expect
    .poll(
      () => {
        last = incoming.uploads.list({ limit: 1000 }).find((u) => u.changesFile === changes);
        return last?.state;
      },
      { timeout: timeoutMs, interval: 100 },
    )
    .toBeOneOf(states);
  return last!;
}

describe('the whole pipeline: dput → build → archive → apt', () => {
  it('builds an upload, installs it into <codename>-test-unstable, and apt installs a program that runs', async () => {
    const pkg = await dput('hello-any', 1);
    const upload = await uploadIn(pkg.changes, ['INSTALLED', 'FAILED']);
    const builds = scheduler.scheduler.list({ uploadId: upload.id });
    expect(upload.state, JSON.stringify(builds, null, 1)).toBe('INSTALLED');
    expect(builds).toMatchObject([
      {
        state: 'BUILT',
        architecture,
        archAll: false,
        builder: 'local',
        attempts: 1,
        status: 'successful',
      },
    ]);
    const types = daemon.events
      .list({ uploadId: upload.id, limit: 100 })
      .reverse()
      .map((e) => e.type);
    expect(types.filter((t) => t !== 'PUBLISHED')).toEqual([
      'ACCEPTED',
      'PACKAGING',
      'BUILDING',
      'BUILT',
      'INSTALLED',
    ]);

    const dir = tempDir();
    const apt = new IsolatedApt(dir, architecture);
    // The host's packages count as installed: apt installs only ours, which then runs here.
    copyFileSync('/var/lib/dpkg/status', path.join(apt.root, 'var/lib/dpkg/status'));
    const sources = await (
      await fetch(`${daemon.url}/api/v1/sources_list?repo=test&suite=unstable`)
    ).text();
    writeFileSync(path.join(dir, 'etc/apt/sources.list.d/debyard.sources'), sources);
    const update = await apt.aptGet(['update']);
    expect(update.problems, update.output).toEqual([]);
    const install = await apt.aptGet(['install', 'debyard-hello-any']);
    expect(install.code, install.output).toBe(0);
    const { stdout } = await run(path.join(apt.root, 'usr/bin/debyard-hello-any'));
    expect(stdout).toBe(`Hello from debyard-hello-any, built for ${architecture}\n`);

    // The build's log over the API (plain text) and the CLI; the queue is empty.
    const log = await (await fetch(`${daemon.url}/api/v1/build_log?build=${builds[0]!.id}`)).text();
    expect(log).toMatch(/^Status: successful$/m);
    const listed = await cli(['builds', '--source', pkg.source, '--server', daemon.url]);
    const row = [
      builds[0]!.id,
      'BUILT',
      pkg.source,
      pkg.version,
      architecture,
      `${codename}-test-unstable`,
      'local',
      'built in',
    ];
    expect(listed.out).toMatch(
      new RegExp(
        `^\\s*${row.map((c) => String(c).replace(/[+~.]/g, '\\$&')).join('\\s+')} \\d+ s$`,
        'm',
      ),
    );
    const status = await api(daemon.url, 'status');
    expect(status.body).toMatchObject({
      queue: { queued: 0, building: 0 },
      load: 0,
      builders: [
        {
          name: 'local',
          capacity: 1,
          running: 0,
          available: true,
          chroots: [`${codename}/${architecture}`],
        },
      ],
    });
    expect(mountsBelow(daemon.layout.root)).toEqual([]);
  }, 240_000);

  it('waits (DEPWAIT) while a build dependency is missing; cancelled, the upload fails; a retry after the fix installs it', async () => {
    const pkg = await dput('uses-hello-all', 1);
    const building = await uploadIn(pkg.changes, ['BUILDING', 'INSTALLED', 'FAILED']);
    await expect
      .poll(() => scheduler.scheduler.list({ uploadId: building.id })[0]?.state, {
        timeout: 120_000,
        interval: 100,
      })
      .toBe('DEPWAIT');
    const [build] = scheduler.scheduler.list({ uploadId: building.id });
    expect(build).toMatchObject({
      state: 'DEPWAIT',
      status: 'depwait',
      failStage: 'install-deps',
      reason: 'missing build dependencies: debyard-hello-all',
    });
    const log = await cli(['build-log', String(build!.id), '--server', daemon.url]);
    expect(log.out).toMatch(/debyard-hello-all/);
    expect(log.out).toMatch(/^Fail-Stage: install-deps$/m);
    const waits = daemon.events.list({ uploadId: building.id, types: ['DEPWAIT'] });
    expect(waits.map((e) => e.buildId)).toEqual([build!.id]);
    const cancelled = await cli([
      'cancel',
      String(build!.id),
      '--server',
      daemon.url,
      '--token',
      token,
    ]);
    expect(cancelled, cancelled.err).toMatchObject({ code: 0 });
    const failed = await uploadIn(pkg.changes, ['FAILED']);
    expect(failed.reasons).toEqual([`${architecture}: build ${build!.id} cancelled by admin`]);

    // The cause fixed: the build dependency is in the archive now.
    const dependency = await dput('hello-all', 1);
    expect((await uploadIn(dependency.changes, ['INSTALLED', 'FAILED'])).state).toBe('INSTALLED');
    const retried = await cli([
      'retry',
      String(failed.id),
      '--server',
      daemon.url,
      '--token',
      token,
    ]);
    expect(retried.out).toMatch(
      new RegExp(`^upload ${failed.id}: queued builds \\d+ \\(${architecture}\\)$`, 'm'),
    );
    const installed = await uploadIn(
      pkg.changes,
      ['INSTALLED', 'FAILED'].filter((s) => s !== 'FAILED'),
    );
    expect(installed.state).toBe('INSTALLED');
    const rounds = scheduler.scheduler.list({ uploadId: failed.id }).map((b) => [b.round, b.state]);
    expect(rounds).toEqual([
      [2, 'BUILT'],
      [1, 'CANCELLED'],
    ]);
    const retryLog = scheduler.scheduler.list({ uploadId: failed.id })[0]!;
    expect(readFileSync(retryLog.logFile!, 'utf8')).toMatch(/Setting up debyard-hello-all/);
    const again = await api(daemon.url, 'retry', {
      method: 'POST',
      input: { upload: failed.id },
      token,
    });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(
      `upload ${failed.id} (${pkg.source} ${pkg.version}) is INSTALLED and none of its builds waits for build dependencies; only FAILED, REJECTED or waiting uploads can be retried`,
    );
  }, 240_000);

  it('runs at most one build at a time with capacity 1, first come first built', async () => {
    const uploads: FixtureUpload[] = [];
    for (let n = 2; n <= 6; n++) uploads.push(await dput('hello-all', n));
    for (const pkg of uploads) {
      expect((await uploadIn(pkg.changes, ['INSTALLED', 'FAILED'])).state).toBe('INSTALLED');
    }
    // From the builds table: no build started before the one before it ended.
    const ran = scheduler.scheduler
      .list({ limit: 1000 })
      .filter((b) => b.startedAt !== null)
      .sort((a, b) => a.startedAt!.localeCompare(b.startedAt!));
    expect(ran.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < ran.length; i++) {
      expect(ran[i]!.startedAt! >= ran[i - 1]!.endedAt!, `${ran[i - 1]!.id} → ${ran[i]!.id}`).toBe(
        true,
      );
    }
    const ids = new Set(
      uploads.map(
        (pkg) =>
          incoming.uploads.list({ limit: 1000 }).find((u) => u.changesFile === pkg.changes)!.id,
      ),
    );
    // Each build starts only after the one before it ended.
    const steps = daemon.events
      .list({ types: ['BUILDING', 'BUILT', 'FAILED'], limit: 1000 })
      .reverse()
      .filter((e) => ids.has(e.uploadId!))
      .map((e) => `${e.type} ${e.buildId}`);
    const builds = steps
      .filter((s) => s.startsWith('BUILDING'))
      .map((s) => Number(s.split(' ')[1]));
    expect(builds).toEqual([...builds].sort((a, b) => a - b));
    expect(steps).toEqual(builds.flatMap((id) => [`BUILDING ${id}`, `BUILT ${id}`]));
  }, 240_000);

  it('cancels a running build (its snapshot goes) and a queued one (it never starts)', async () => {
    const slow = await dput('slow', 1);
    const running = await uploadIn(slow.changes, ['BUILDING']);
    const queuedPkg = await dput('hello-all', 7);
    const queued = await uploadIn(queuedPkg.changes, ['PACKAGING']);
    const [waiting] = scheduler.scheduler.list({ uploadId: queued.id });
    await expect
      .poll(() => scheduler.scheduler.build(waiting!.id).waiting)
      .toBe(`waiting: every builder for ${codename}/${architecture} is busy (local 1/1)`);
    // The dashboard shows the queue and the builder's load without JavaScript.
    const page = await (await fetch(`${daemon.url}/`)).text();
    expect(page).toContain('id="panel-builds"');
    expect(page).toMatch(
      /<td>local<\/td>\s*<td><meter min="0" max="1" value="1">100%<\/meter> 100%<\/td>/,
    );
    expect(page).toContain(
      `waiting: every builder for ${codename}/${architecture} is busy (local 1/1)`,
    );

    const cancelledQueued = await api(daemon.url, 'cancel', {
      method: 'POST',
      input: { build: waiting!.id },
      token,
    });
    expect(cancelledQueued.body.builds).toMatchObject([
      { id: waiting!.id, state: 'CANCELLED', reason: 'cancelled by admin', attempts: 0 },
    ]);
    const [slowBuild] = scheduler.scheduler.list({ uploadId: running.id });
    await expect
      .poll(() => readFileSync(slowBuild!.logFile!, 'utf8'), { timeout: 60_000 })
      .toContain('debyard-slow: sleeping');
    const cancelled = await cli([
      'cancel',
      String(slowBuild!.id),
      '--server',
      daemon.url,
      '--token',
      token,
    ]);
    expect(cancelled.out).toBe(
      `build ${slowBuild!.id} (${slow.source} ${slow.version} for ${architecture}): CANCELLED\n`,
    );
    expect(incoming.uploads.get(running.id)).toMatchObject({
      state: 'FAILED',
      reasons: [`${architecture}: build ${slowBuild!.id} cancelled by admin`],
    });
    expect(incoming.uploads.get(queued.id).state).toBe('FAILED');
    expect(daemon.events.list({ buildId: waiting!.id }).map((e) => e.type)).toEqual(['CANCELLED']);
    expect(readdirSync(path.join(daemon.layout.chroots, 'snapshots'))).toEqual([]);
    expect(processesUnder(daemon.layout.root)).toEqual([]);
    const again = await api(daemon.url, 'cancel', {
      method: 'POST',
      input: { build: slowBuild!.id },
      token,
    });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(
      `build ${slowBuild!.id} (${slow.source} ${slow.version} for ${architecture}) is CANCELLED; only queued, waiting or running builds can be cancelled`,
    );
  }, 240_000);

  it('keeps a build waiting, saying why, while no builder has a ready chroot for it', async () => {
    const config = (daemon.parts.find((p) => p.name === 'archive-config') as ArchiveConfigPart)
      .config;
    config.createRepository({
      id: 'other',
      description: 'for a codename without a chroot',
      layout: 'default',
      allowUnsigned: true,
      distributions: [distributionSpec({ codename: 'trixie', architectures: [architecture] })],
    });
    const pkg = await fixtureUpload(root, 'hello-all', {
      version: '1.0~other13+1',
      distribution: 'trixie-other-unstable',
    });
    const otherCf = path.join(root, 'dput-other.cf');
    writeFileSync(otherCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
    await run('dput', ['-U', '-c', otherCf, 'debyard-testyard-other', pkg.changes], {
      cwd: pkg.dir,
      env: { ...process.env, HOME: root },
    });
    const upload = await uploadIn(pkg.changes, ['PACKAGING']);
    const reason = `waiting: no ready chroot for trixie/${architecture}`;
    await expect
      .poll(() => scheduler.scheduler.list({ uploadId: upload.id })[0]!.waiting)
      .toBe(reason);
    const listed = await cli(['builds', '--state', 'queued', '--server', daemon.url, '--json']);
    expect(JSON.parse(listed.out)).toMatchObject([
      { upload: upload.id, state: 'QUEUED', waiting: reason },
    ]);
    const cancelled = await api(daemon.url, 'cancel', {
      method: 'POST',
      input: { upload: upload.id },
      token,
    });
    expect(cancelled.body.builds).toMatchObject([{ state: 'CANCELLED' }]);
    expect(incoming.uploads.get(upload.id).state).toBe('FAILED');
  }, 60_000);

  it('checks a rejected upload again on retry, after the uploader key was added', async () => {
    const config = (daemon.parts.find((p) => p.name === 'archive-config') as ArchiveConfigPart)
      .config;
    config.createRepository({
      id: 'team',
      description: 'signed uploads only',
      layout: 'default',
      allowUnsigned: false,
      distributions: [distributionSpec({ codename, architectures: [architecture] })],
    });
    const signer = createSigner('Uploader <uploader@example.org>');
    try {
      const pkg = await fixtureUpload(root, 'hello-all', {
        version: `1.0~team${codeversion()}+1`,
        distribution: `${codename}-team-unstable`,
      });
      await signUpload({ ...pkg, files: [] }, signer);
      await run('dput', ['-c', dputCf, 'debyard-testyard', pkg.changes], {
        cwd: pkg.dir,
        env: { ...process.env, HOME: root, GNUPGHOME: signer.home },
      });
      const rejected = await uploadIn(pkg.changes, ['REJECTED', 'ACCEPTED']);
      expect(rejected.state).toBe('REJECTED');

      await incoming.uploaderKeys.add({ key: signer.publicKey, repositories: ['team'] });
      const retried = await api(daemon.url, 'retry', {
        method: 'POST',
        input: { upload: rejected.id },
        token,
      });
      expect(retried.body).toEqual({ upload: rejected.id, state: 'RETRIED', builds: [] });
      expect(incoming.uploads.get(rejected.id).state).toBe('RETRIED');
      await expect
        .poll(
          () =>
            incoming.uploads
              .list({ limit: 1000 })
              .filter((u) => u.changesFile === pkg.changes)
              .map((u) => u.state),
          { timeout: 120_000, interval: 100 },
        )
        .toEqual(['INSTALLED', 'RETRIED']);
      const gone = await api(daemon.url, 'retry', {
        method: 'POST',
        input: { upload: rejected.id },
        token,
      });
      expect(gone.status).toBe(409);
    } finally {
      signer.dispose();
    }
  }, 240_000);

  it('refuses the same .changes sent again right after its ACCEPTED: one upload, one build', async () => {
    const pkg = await fixtureUpload(root, 'hello-any', {
      version: `1.0~test${codeversion()}+1`,
      distribution: `${codename}-test-unstable`,
      rename: 'debyard-replayed',
    });
    const send = () =>
      run('dput', ['-f', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
        cwd: pkg.dir,
        env: { ...process.env, HOME: root },
      });
    await send();
    const first = await uploadIn(pkg.changes, ['ACCEPTED', 'PACKAGING', 'BUILDING', 'REJECTED']);
    expect(first.state).not.toBe('REJECTED');
    await send();
    let replay: UploadRecord | undefined;
    await expect
      .poll(() => {
        replay = incoming.uploads.list({ source: 'debyard-replayed' }).find((u) => u.id > first.id);
        return replay?.state;
      })
      .toBe('REJECTED');
    expect(replay!.reasons).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${pkg.changes.replace(/[.+~]/g, '\\$&')}: debyard-replayed ${pkg.version.replace(/[.+~]/g, '\\$&')} is already being uploaded to repository test \\(upload ${first.id}, (ACCEPTED|PACKAGING|BUILDING|BUILT)\\); a version is uploaded only once`,
        ),
      ),
    ]);
    await expect
      .poll(() => incoming.uploads.get(first.id).state, { timeout: 120_000, interval: 100 })
      .toBeOneOf(['INSTALLED', 'FAILED']);
    expect(incoming.uploads.get(first.id).state).toBe('INSTALLED');
    const builds = scheduler.scheduler.list({ source: 'debyard-replayed' });
    expect(builds.map((b) => [b.uploadId, b.state])).toEqual([[first.id, 'BUILT']]);
  }, 240_000);
});
