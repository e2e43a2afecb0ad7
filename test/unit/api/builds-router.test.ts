import express from 'express';
import { describe, expect, it } from 'vitest';
import { createApiRouter, type Principal } from '../../../src/api/api-router.js';
import { buildRoutes } from '../../../src/api/routers/builds-router.js';
import { LiveLogHub } from '../../../src/builder/live-log.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { body, dataOf, openSse, serve, tempDir } from '../../fixtures/index.js';
import { cli, FakeBuilder, schedulerHarness } from '../../fixtures/subsystems.js';

/** The build calls over a scheduler with a fake builder; `x-role` says who calls. */
async function setup(privateRepositories: string[] = []) {
  const local = new FakeBuilder('local', 1, [{ codename: 'bookworm', architecture: 'amd64' }]);
  const logs = new LiveLogHub();
  local.logs = logs;
  const h = schedulerHarness(tempDir(), { builders: [local] });
  const app = express();
  app.use(
    '/api/v1',
    createApiRouter({
      implementations: buildRoutes({
        queue: h.scheduler,
        logs,
        config: {
          repositories: () => privateRepositories.map((id) => ({ id, private: true }) as never),
        },
      }),
      authenticate: (req): Principal => {
        const role = req.get('x-role') as Principal['role'] | undefined;
        return role ? { user: 'bob', role } : { user: null, role: 'anonymous' };
      },
      logger: silentLogger,
    }),
  );
  return { base: await serve(app), h, local };
}

const post = (url: string, input: unknown, role?: string) =>
  fetch(url, {
    method: 'POST',
    body: JSON.stringify(input),
    headers: { 'content-type': 'application/json', ...(role ? { 'x-role': role } : {}) },
  });

describe('build API calls', () => {
  it('answers anonymous callers about builds of a private repository as about missing ones', async () => {
    const { base, h } = await setup(['test']);
    const upload = h.accept({ architectures: ['amd64'] });
    await expect.poll(() => h.uploads.get(upload.id).state).toBe('INSTALLED');
    expect(await body(await fetch(`${base}/api/v1/builds`))).toEqual([]);
    const seen = await body(
      await fetch(`${base}/api/v1/builds`, { headers: { 'x-role': 'staff' } }),
    );
    expect(seen.map((b: { upload: number }) => b.upload)).toEqual([upload.id]);
    const id = seen[0].id as number;
    for (const build of [id, id + 100]) {
      const log = await fetch(`${base}/api/v1/build_log?build=${build}`);
      expect([log.status, (await body(log)).detail]).toEqual([404, `there is no build ${build}`]);
    }
    const [hidden, missing] = await Promise.all(
      [id, id + 100].map((b) => openSse(`${base}/api/v1/build_log?build=${b}&follow=true`)),
    );
    await Promise.all([hidden!.ended, missing!.ended]);
    expect(hidden!.status).toBe(missing!.status);
    expect(JSON.stringify(dataOf(hidden!.messages))).toBe(
      JSON.stringify(dataOf(missing!.messages)).replace(String(id + 100), String(id)),
    );
    expect(JSON.stringify(dataOf(hidden!.messages))).not.toContain('building on');
    const log = await fetch(`${base}/api/v1/build_log?build=${id}`, {
      headers: { 'x-role': 'staff' },
    });
    expect(log.status).toBe(200);
  });

  it('lists builds by state and names bad input', async () => {
    const { base, h } = await setup();
    const upload = h.accept({ architectures: ['amd64'] });
    await expect.poll(() => h.uploads.get(upload.id).state).toBe('INSTALLED');
    const built = await body(await fetch(`${base}/api/v1/builds?state=built,failed`));
    expect(built).toMatchObject([
      { upload: upload.id, state: 'BUILT', source: 'pkg', architecture: 'amd64', waiting: null },
    ]);
    expect(built[0]).not.toHaveProperty('logFile');
    expect(await body(await fetch(`${base}/api/v1/builds?state=queued`))).toEqual([]);
    const bad = await fetch(`${base}/api/v1/builds?state=done&limit=0`);
    expect(bad.status).toBe(400);
    expect((await body(bad)).detail).toBe(
      'invalid input for builds: state.0: must be one of queued, building, built, failed, cancelled, depwait; limit: must be at least 1',
    );
    await h.stop();
  });

  it('lets only staff retry and cancel, and wants a build or an upload, not both', async () => {
    const { base, h } = await setup();
    const anonymous = await post(`${base}/api/v1/retry`, { upload: 1 });
    expect(anonymous.status).toBe(401);
    const login = await post(`${base}/api/v1/cancel`, { build: 1 }, 'login');
    expect(login.status).toBe(403);
    expect((await body(login)).detail).toBe('cancel needs role staff; user bob has role login');
    const both = await post(`${base}/api/v1/cancel`, { build: 1, upload: 1 }, 'staff');
    expect((await body(both)).detail).toBe(
      'invalid input for cancel: build: give a build id or --upload, not both',
    );
    const missing = await post(`${base}/api/v1/retry`, { upload: 99 }, 'staff');
    expect(missing.status).toBe(404);
    expect((await body(missing)).detail).toBe('there is no upload 99');
    await h.stop();
  });

  it('streams a running build log line by line, then its end; the file afterwards', async () => {
    const { base, h, local } = await setup();
    local.hold = true;
    const upload = h.accept({ architectures: ['amd64'] });
    await expect.poll(() => local.running).toBe(1);
    const [build] = h.scheduler.list({ uploadId: upload.id });
    const early = await fetch(`${base}/api/v1/build_log?build=${build!.id}`);
    expect(await early.text()).toBe('building on local\n');
    const stream = await openSse(`${base}/api/v1/build_log?build=${build!.id}&follow=true`);
    await stream.waitFor(1);
    local.release();
    await stream.ended;
    expect(dataOf(stream.messages)).toEqual([
      { line: 'building on local' },
      { line: 'Status: successful' },
      { end: true, state: 'BUILT' },
    ]);
    expect(stream.messages.map((m) => m.id)).toEqual(['1', '2', undefined]);
    // A client resuming after line 1 gets the rest.
    const resumed = await openSse(`${base}/api/v1/build_log?build=${build!.id}&follow=true`, {
      'last-event-id': '1',
    });
    await resumed.ended;
    expect(dataOf(resumed.messages)).toEqual([
      { line: 'Status: successful' },
      { end: true, state: 'BUILT' },
    ]);
    // The CLI follows it to its end and stops there (no resuming a finished log).
    const followed = await cli(['build-log', String(build!.id), '--follow', '--server', base]);
    expect(followed).toEqual({
      code: 0,
      out: 'building on local\nStatus: successful\n--- the build ended: BUILT\n',
      err: '',
    });
    const json = await fetch(`${base}/api/v1/build_log?build=${build!.id}`, {
      headers: { accept: 'application/json' },
    });
    expect(await body(json)).toEqual({
      build: build!.id,
      state: 'BUILT',
      logDroppedBytes: 0,
      text: 'building on local\nStatus: successful',
    });
    await h.stop();
  });

  it('says why a queued build has no log yet', async () => {
    const { base, h, local } = await setup();
    local.hold = true;
    h.accept({ architectures: ['amd64'] });
    const queued = h.accept({ architectures: ['amd64'] });
    await expect.poll(() => h.scheduler.list({ uploadId: queued.id })[0]?.waiting).toBeTruthy();
    const [build] = h.scheduler.list({ uploadId: queued.id });
    const answer = await fetch(`${base}/api/v1/build_log?build=${build!.id}`);
    expect(answer.status).toBe(404);
    expect((await body(answer)).detail).toBe(
      `build ${build!.id} has no log yet: it is QUEUED (waiting: every builder for bookworm/amd64 is busy (local 1/1))`,
    );
    local.release();
    await h.stop();
  });
});
