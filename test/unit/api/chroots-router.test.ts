import express from 'express';
import { describe, expect, it } from 'vitest';
import { createApiRouter } from '../../../src/api/api-router.js';
import { chrootRoutes } from '../../../src/api/routers/chroots-router.js';
import type { ChrootKey } from '../../../src/chroot/chroot-paths.js';
import type { ChrootInfo } from '../../../src/chroot/chroot-service.js';
import { ConflictError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { body, serve } from '../../fixtures/index.js';

const info = (key: ChrootKey, state: ChrootInfo['state']): ChrootInfo => ({
  id: 1,
  ...key,
  state,
  generation: state === 'creating' ? 0 : 2,
  progress: state === 'creating' ? 'starting' : null,
  sizeBytes: state === 'creating' ? null : 400 * 1048576,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: state === 'creating' ? null : '2026-01-02T00:00:00.000Z',
  lastError: null,
  runningBuilds: 0,
  logFile: '/var/lib/debyard/logs/chroots/x.log',
});

/** The chroot calls over a recording stand-in for the ChrootService. */
async function api() {
  const calls: string[] = [];
  const record = (what: string, key: ChrootKey) =>
    calls.push(`${what} ${key.codename}/${key.architecture}`);
  const app = express();
  app.use(
    '/api/v1',
    createApiRouter({
      implementations: chrootRoutes({
        defaultKey: { codename: 'bookworm', architecture: 'amd64' },
        chroots: {
          list: () => [info({ codename: 'bookworm', architecture: 'amd64' }, 'ready')],
          create: (key) => (
            record('create', key),
            { chroot: info(key, 'creating'), done: new Promise(() => {}) }
          ),
          update: (key) => (
            record('update', key),
            { chroot: info(key, 'updating'), done: new Promise(() => {}) }
          ),
          remove: async (key) => {
            record('remove', key);
            if (key.codename === 'sid')
              throw new ConflictError('chroot sid/amd64 is used by 1 running build(s)');
          },
        },
      }),
      authenticate: () => ({ user: 'root', role: 'admin' }),
      logger: silentLogger,
    }),
  );
  return { base: await serve(app), calls };
}

const post = (url: string, input: unknown) =>
  fetch(url, {
    method: 'POST',
    body: JSON.stringify(input),
    headers: { 'content-type': 'application/json' },
  });

describe('chroot API calls', () => {
  it('lists chroots and starts operations, defaulting to the host chroot', async () => {
    const { base, calls } = await api();
    expect(await body(await fetch(`${base}/api/v1/chroot_list`))).toEqual([
      {
        codename: 'bookworm',
        architecture: 'amd64',
        state: 'ready',
        progress: null,
        generation: 2,
        sizeBytes: 419430400,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-02T00:00:00.000Z',
        lastError: null,
        runningBuilds: 0,
      },
    ]);
    expect(
      await body(await post(`${base}/api/v1/chroot_create`, { codename: 'trixie' })),
    ).toMatchObject({
      codename: 'trixie',
      architecture: 'amd64',
      state: 'creating',
      progress: 'starting',
    });
    expect((await body(await post(`${base}/api/v1/chroot_update`, {}))).state).toBe('updating');
    expect(
      await body(await post(`${base}/api/v1/chroot_remove`, { architecture: 'i386' })),
    ).toEqual({
      removed: 'bookworm/i386',
    });
    expect(calls).toEqual(['create trixie/amd64', 'update bookworm/amd64', 'remove bookworm/i386']);
  });

  it('rejects bad names and reports conflicts', async () => {
    const { base, calls } = await api();
    const bad = await post(`${base}/api/v1/chroot_create`, {
      codename: 'Bad Name',
      architecture: 'x',
    });
    expect(bad.status).toBe(400);
    expect((await body(bad)).detail).toBe(
      'invalid input for chroot_create: codename: must be a codename such as bookworm; architecture: must be a Debian architecture such as amd64',
    );
    const busy = await post(`${base}/api/v1/chroot_remove`, { codename: 'sid' });
    expect(busy.status).toBe(409);
    expect((await body(busy)).detail).toBe('chroot sid/amd64 is used by 1 running build(s)');
    expect(calls).toEqual(['remove sid/amd64']);
  });
});
