import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildsRepository } from '../../../src/db/builds-repository.js';
import { ConflictError, RemotePeerError, UnavailableError } from '../../../src/shared/errors.js';
import { tempDir } from '../../fixtures/index.js';
import { FakeBuilder, schedulerHarness, type SchedulerHarness } from '../../fixtures/subsystems.js';

const amd64 = { codename: 'bookworm', architecture: 'amd64' };
const arm64 = { codename: 'bookworm', architecture: 'arm64' };

async function stateOf(h: SchedulerHarness, uploadId: number, ...states: string[]) {
  // Generous: CI machines are busy, and the fakes still run through real timers.
  await expect.poll(() => h.uploads.get(uploadId).state, { timeout: 15_000 }).toBeOneOf(states);
  return h.uploads.get(uploadId);
}

/** Event types of an upload, oldest first, with the build id when there is one. */
function eventsOf(h: SchedulerHarness, uploadId: number): string[] {
  return h.events
    .list({ uploadId, limit: 100 })
    .reverse()
    .map((e) => (e.buildId ? `${e.type} ${e.buildId}` : e.type));
}

describe('the scheduler state machine', () => {
  it('takes an accepted upload through PACKAGING, BUILDING and BUILT to INSTALLED', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const upload = h.accept({ architectures: ['amd64'], archAll: true });
    expect((await stateOf(h, upload.id, 'INSTALLED')).reasons).toEqual([]);
    const [build] = h.scheduler.list({ uploadId: upload.id });
    expect(build).toMatchObject({ state: 'BUILT', builder: 'local', attempts: 1, archAll: true });
    expect(eventsOf(h, upload.id)).toEqual([
      'ACCEPTED',
      'PACKAGING',
      `BUILDING ${build!.id}`,
      `BUILT ${build!.id}`,
    ]);
    expect(h.archive.installs).toEqual([
      {
        distribution: 'bookworm-test-unstable',
        packages: [
          {
            dsc: path.join(h.home, upload.spoolPath, upload.dscFile!),
            debs: [path.join(h.home, 'builds', String(build!.id), 'result', 'pkg_1_amd64.deb')],
          },
        ],
        uploadId: upload.id,
        handOver: true,
      },
    ]);
    // Installed: the upload's folder and the build's source and results go (after the
    // state is committed), the log stays.
    await expect.poll(() => existsSync(path.join(h.home, upload.spoolPath))).toBe(false);
    await expect
      .poll(() => existsSync(path.join(h.home, 'builds', String(build!.id), 'result')))
      .toBe(false);
    expect(existsSync(path.join(h.home, 'builds', String(build!.id), 'build.log'))).toBe(true);
    await h.stop();
  });

  it('gives the builder a request with the source, the lintian mode and the archive as apt source', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const upload = h.accept({ architectures: ['amd64'] });
    await stateOf(h, upload.id, 'INSTALLED');
    const [request] = local.requests;
    const dir = path.join(h.home, 'builds', String(request!.id));
    expect(request).toMatchObject({
      dsc: path.join(dir, 'source', upload.dscFile!),
      codename: 'bookworm',
      architecture: 'amd64',
      archAll: false,
      distribution: 'bookworm-test-unstable',
      lintian: 'errfail',
      timeLimitMs: 60_000,
      resultDir: path.join(dir, 'result'),
      logFile: path.join(dir, 'build.log'),
    });
    expect(request!.extraApt!.sources).toMatch(
      /^Types: deb\nURIs: http:\/\/127.0.0.1:8066\/repos\/test\/\nSuites: bookworm-test-unstable bookworm-test-testing bookworm-test-stable\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n \.\n xx\n/,
    );
    expect(request!.extraApt!.preferences).toBe(
      ['unstable', 'testing', 'stable']
        .map((s) => `Package: *\nPin: release o=testyard, n=bookworm-test-${s}\nPin-Priority: 1\n`)
        .join('\n'),
    );
    await h.stop();
  });

  it('installs when every mandatory architecture built, and fails the upload otherwise', async () => {
    const local = new FakeBuilder('local', 3, [amd64, arm64]);
    const h = schedulerHarness(tempDir(), {
      builders: [local],
      architectures: ['amd64', 'arm64'],
      mandatory: ['amd64'],
    });
    local.outcome = (r) => (r.architecture === 'arm64' ? 'attempted' : 'successful');
    const optional = h.accept({ architectures: ['amd64', 'arm64'] });
    await stateOf(h, optional.id, 'INSTALLED');
    expect(h.archive.installs.at(-1)!.packages[0]!.debs).toHaveLength(1);

    local.outcome = (r) => (r.architecture === 'amd64' ? 'failed' : 'successful');
    const failing = h.accept({ architectures: ['amd64', 'arm64'] });
    const failed = await stateOf(h, failing.id, 'FAILED');
    const builds = h.scheduler.list({ uploadId: failing.id });
    const amd = builds.find((b) => b.architecture === 'amd64')!;
    expect(failed.reasons).toEqual([`amd64: build ${amd.id} failed (it broke)`]);
    expect(h.archive.installs).toHaveLength(1);
    expect(eventsOf(h, failing.id).filter((e) => e.startsWith('FAILED'))).toEqual([
      `FAILED ${amd.id}`,
      'FAILED',
    ]);
    await h.stop();
  });

  it('never runs more builds on a builder than its capacity, and spreads them by load', async () => {
    const local = new FakeBuilder('local', 2, [amd64]);
    const peer = new FakeBuilder('peer1', 1, [amd64]);
    local.hold = peer.hold = true;
    const h = schedulerHarness(tempDir(), { builders: [local, peer] });
    const uploads = [1, 2, 3, 4, 5].map(() => h.accept({ architectures: ['amd64'] }));
    await expect.poll(() => local.running + peer.running).toBe(3);
    expect(h.scheduler.overview()).toMatchObject({
      queued: 2,
      building: 3,
      load: 1,
      builders: [
        { name: 'local', capacity: 2, running: 2, load: 1, chroots: ['bookworm/amd64'] },
        { name: 'peer1', capacity: 1, running: 1, load: 1 },
      ],
    });
    expect(h.scheduler.list({ states: ['QUEUED'] }).map((b) => b.waiting)).toEqual([
      'waiting: every builder for bookworm/amd64 is busy (local 2/2, peer1 1/1)',
      'waiting: every builder for bookworm/amd64 is busy (local 2/2, peer1 1/1)',
    ]);
    // Released a few at a time, as long as any upload is unfinished: on a busy machine a
    // queued build may start only after a given round of releases.
    const unfinished = () => uploads.some((u) => h.uploads.get(u.id).state !== 'INSTALLED');
    for (let round = 0; round < 3000 && unfinished(); round++) {
      local.release();
      peer.release();
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const u of uploads) await stateOf(h, u.id, 'INSTALLED');
    expect([local.mostRunning, peer.mostRunning]).toEqual([2, 1]);
    // First come, first started.
    const started = h.events
      .list({ types: ['BUILDING'] })
      .reverse()
      .map((e) => e.uploadId);
    expect(started).toEqual(uploads.map((u) => u.id));
    await h.stop();
  });

  it('requeues builds a crash interrupted, counting attempts, and fails them at the limit', async () => {
    const home = tempDir();
    const local = new FakeBuilder('local', 2, [amd64]);
    local.hold = true;
    const first = schedulerHarness(home, { builders: [local], maxAttempts: 2 });
    const upload = first.accept({ architectures: ['amd64'] });
    await stateOf(first, upload.id, 'BUILDING');
    // "kill -9": the first scheduler is abandoned with its build running.
    local.hold = false;
    const second = first.restart();
    await stateOf(second, upload.id, 'INSTALLED');
    const [build] = second.scheduler.list({ uploadId: upload.id });
    expect(build).toMatchObject({ state: 'BUILT', attempts: 2 });
    expect(eventsOf(second, upload.id)).toEqual([
      'ACCEPTED',
      'PACKAGING',
      `BUILDING ${build!.id}`,
      `PACKAGING ${build!.id}`,
      `BUILDING ${build!.id}`,
      `BUILT ${build!.id}`,
    ]);
    expect(second.events.list({ types: ['PACKAGING'], buildId: build!.id })[0]!.message).toBe(
      `build ${build!.id} of pkg ${upload.version} for amd64 queued again: the daemon stopped during attempt 1 of 2`,
    );

    local.hold = true;
    const again = second.accept({ architectures: ['amd64'] });
    await stateOf(second, again.id, 'BUILDING');
    const third = second.restart();
    await expect
      .poll(() => third.scheduler.list({ uploadId: again.id })[0])
      .toMatchObject({ state: 'BUILDING', attempts: 2 });
    const fourth = third.restart();
    const failed = await stateOf(fourth, again.id, 'FAILED');
    const [gaveUp] = fourth.scheduler.list({ uploadId: again.id });
    expect(gaveUp).toMatchObject({ state: 'FAILED', attempts: 2 });
    expect(failed.reasons).toEqual([
      `amd64: build ${gaveUp!.id} failed (the daemon stopped during each of its 2 attempts; it was not started again)`,
    ]);
    local.release();
    await fourth.stop();
  });

  it('installs a built upload again after a crash before its INSTALLED state, once', async () => {
    const home = tempDir();
    const local = new FakeBuilder('local', 1, [amd64]);
    const first = schedulerHarness(home, { builders: [local] });
    const upload = first.accept({ architectures: ['amd64'] });
    await stateOf(first, upload.id, 'INSTALLED');
    // As if the daemon died after the archive's commit: the upload is still BUILT.
    first.uploads.transition(upload.id, ['INSTALLED'], 'BUILT', new Date());
    const second = first.restart();
    await stateOf(second, upload.id, 'INSTALLED');
    expect(second.archive.installs).toHaveLength(2);
    expect(second.archive.installed.size).toBe(1);
    await second.stop();
  });

  it('queues a build the daemon stop interrupts again, without counting the attempt', async () => {
    const home = tempDir();
    const local = new FakeBuilder('local', 1, [amd64]);
    local.hold = true;
    const h = schedulerHarness(home, { builders: [local], maxAttempts: 1 });
    const upload = h.accept({ architectures: ['amd64'] });
    await stateOf(h, upload.id, 'BUILDING');
    // BUILDING comes before the build request is made: wait until the builder has it.
    await expect.poll(() => local.running).toBe(1);
    await h.stop();
    const [build] = h.scheduler.list({ uploadId: upload.id });
    expect(build).toMatchObject({
      state: 'QUEUED',
      attempts: 0,
      reason: 'the daemon stopped during the build',
    });
    local.hold = false;
    const next = h.restart();
    await stateOf(next, upload.id, 'INSTALLED');
    await next.stop();
  });

  it('queues a build its builder could not run again, until its attempts are used up', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    const h = schedulerHarness(tempDir(), { builders: [local], maxAttempts: 3 });
    let tries = 0;
    local.outcome = () =>
      ++tries < 3 ? new RemotePeerError('peer1 stopped answering') : 'successful';
    const upload = h.accept({ architectures: ['amd64'] });
    await stateOf(h, upload.id, 'INSTALLED');
    expect(h.scheduler.list({ uploadId: upload.id })[0]).toMatchObject({ attempts: 3 });

    local.outcome = () => new UnavailableError('chroot bookworm/amd64 is broken');
    const doomed = h.accept({ architectures: ['amd64'] });
    const failed = await stateOf(h, doomed.id, 'FAILED');
    expect(failed.reasons[0]).toMatch(
      /^amd64: build \d+ failed \(chroot bookworm\/amd64 is broken \(gave up after 3 attempts\)\)$/,
    );
    await h.stop();
  });

  it('cancels queued and running builds; the upload fails', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    local.hold = true;
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const running = h.accept({ architectures: ['amd64'] });
    const queued = h.accept({ architectures: ['amd64'] });
    await expect.poll(() => local.running).toBe(1);
    const [q] = h.scheduler.list({ uploadId: queued.id });
    expect((await h.scheduler.cancel(q!.id, 'alice')).state).toBe('CANCELLED');
    const [r] = h.scheduler.list({ uploadId: running.id });
    const ended = await h.scheduler.cancel(r!.id, 'bob');
    expect(ended).toMatchObject({
      state: 'CANCELLED',
      status: 'cancelled',
      reason: 'cancelled by bob',
    });
    expect(h.uploads.get(queued.id)).toMatchObject({
      state: 'FAILED',
      reasons: [`amd64: build ${q!.id} cancelled by alice`],
    });
    expect(h.uploads.get(running.id).state).toBe('FAILED');
    expect(local.requests.map((x) => x.id)).toEqual([r!.id]);
    await expect(h.scheduler.cancel(r!.id, 'bob')).rejects.toThrow(
      new ConflictError(
        `build ${r!.id} (pkg ${running.version} for amd64) is CANCELLED; only queued, waiting or running builds can be cancelled`,
      ),
    );
    await expect(h.scheduler.cancelUpload(running.id, 'bob')).rejects.toThrow(
      `upload ${running.id} (pkg_1.1_source.changes 1.1) has no queued or running build (it is FAILED)`.replace(
        'pkg_1.1_source.changes',
        'pkg',
      ),
    );
    await h.stop();
  });

  it('retries a failed upload with a new round of builds; other states are refused', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    local.outcome = () => 'failed';
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const upload = h.accept({ architectures: ['amd64'] });
    await stateOf(h, upload.id, 'FAILED');
    local.outcome = () => 'successful';
    const retried = await h.scheduler.retry(upload.id, 'carol', 5);
    expect(retried).toMatchObject({
      upload: upload.id,
      state: 'PACKAGING',
      builds: [{ round: 2, priority: 5 }],
    });
    await stateOf(h, upload.id, 'INSTALLED');
    expect(h.uploads.get(upload.id).reasons).toEqual([]);
    expect(h.events.list({ types: ['PACKAGING'], uploadId: upload.id })[0]!.message).toBe(
      `retry by carol: pkg ${upload.version} for bookworm-test-unstable: queued builds for amd64`,
    );
    await expect(h.scheduler.retry(upload.id, 'carol')).rejects.toThrow(
      `upload ${upload.id} (pkg ${upload.version}) is INSTALLED and none of its builds waits for build dependencies; only FAILED, REJECTED or waiting uploads can be retried`,
    );
    await h.stop();
  });

  it('tries the builds of an upload that wait for build dependencies again by hand', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    local.outcome = () => 'depwait';
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const upload = h.accept({ architectures: ['amd64'] });
    await expect
      .poll(() => h.scheduler.list({ uploadId: upload.id })[0]?.state, { timeout: 15_000 })
      .toBe('DEPWAIT');
    expect(h.uploads.get(upload.id).state).toBe('BUILDING');
    local.outcome = () => 'successful';
    const retried = await h.scheduler.retry(upload.id, 'carol');
    const [build] = h.scheduler.list({ uploadId: upload.id });
    expect(retried).toMatchObject({
      upload: upload.id,
      state: 'QUEUED',
      builds: [{ id: build!.id }],
    });
    await stateOf(h, upload.id, 'INSTALLED');
    expect(local.requests.map((r) => r.id)).toEqual([build!.id, build!.id]);
    expect(
      h.events.list({ types: ['PACKAGING'], uploadId: upload.id }).map((e) => e.message),
    ).toEqual(expect.arrayContaining([expect.stringContaining('retried by carol')]));
    await h.stop();
  });

  it('builds a failed upload again only while no other upload of its version is on its way', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    local.outcome = () => 'failed';
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const failed = h.accept({ architectures: ['amd64'], version: '2.0' });
    await stateOf(h, failed.id, 'FAILED');
    // Its version was uploaded again (the incoming takes it once the first one failed).
    local.hold = true;
    const again = h.accept({ architectures: ['amd64'], version: '2.0' });
    await stateOf(h, again.id, 'BUILDING');
    await expect(h.scheduler.retry(failed.id, 'carol')).rejects.toThrow(
      new ConflictError(
        `upload ${failed.id} (pkg 2.0) is not built again: upload ${again.id} of the same version is BUILDING`,
      ),
    );
    expect(h.uploads.get(failed.id).state).toBe('FAILED');
    local.hold = false;
    local.release();
    await stateOf(h, again.id, 'FAILED');
    local.outcome = () => 'successful';
    expect((await h.scheduler.retry(failed.id, 'carol')).state).toBe('PACKAGING');
    await stateOf(h, failed.id, 'INSTALLED');
    await h.stop();
  });

  it('fails an upload the archive refuses, naming the reason', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    const h = schedulerHarness(tempDir(), { builders: [local] });
    h.archive.refuse = new ConflictError(
      'pkg 1.1 is not higher than 2.0, the version in bookworm-test-unstable',
    );
    const upload = h.accept({ architectures: ['amd64'] });
    const failed = await stateOf(h, upload.id, 'FAILED');
    expect(failed.reasons).toEqual([
      'cannot install into bookworm-test-unstable: pkg 1.1 is not higher than 2.0, the version in bookworm-test-unstable',
    ]);
    await h.stop();
  });

  it('fails an upload whose distribution is gone before its builds are planned', async () => {
    const local = new FakeBuilder('local', 1, [amd64]);
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const upload = h.accept({ architectures: ['amd64'] });
    // Before the scheduler hears of it (it plans on the next turn of the event loop).
    h.db
      .prepare("UPDATE uploads SET distribution = 'bookworm-gone-unstable' WHERE id = ?")
      .run(upload.id);
    const failed = await stateOf(h, upload.id, 'FAILED');
    expect(failed.reasons).toEqual([
      'unknown distribution bookworm-gone-unstable: there is no repository "gone" (known: test)',
    ]);
    expect(h.scheduler.list({ uploadId: upload.id })).toEqual([]);
    expect(new BuildsRepository(h.db).counts().QUEUED).toBe(0);
    await h.stop();
  });
});
