import express from 'express';
import { describe, expect, it } from 'vitest';
import { createApiRouter } from '../../../src/api/api-router.js';
import { createPeerApi } from '../../../src/api/peer-client.js';
import { peerRoutes } from '../../../src/api/routers/peers-router.js';
import type { PeerJobRequest } from '../../../src/remote/peer-api.js';
import type { PeerJobs } from '../../../src/remote/peer-jobs.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { serve } from '../../fixtures/index.js';

/** The peer API in step: what the requesting daemon's client sends, the peer's router reads. */
async function peer() {
  const created: Omit<PeerJobRequest, 'files'>[] = [];
  const jobs = {
    create: (request: PeerJobRequest) => {
      created.push(request);
      return {
        job: 'j1',
        state: 'receiving',
        codename: request.codename,
        architecture: request.architecture,
        dsc: request.dsc,
        missing: [],
        createdAt: '',
        result: null,
      };
    },
  } as unknown as PeerJobs;
  const app = express();
  app.use(
    '/api/v1',
    createApiRouter({
      implementations: peerRoutes({
        jobs,
        status: () => {
          throw new Error('unused');
        },
      }),
      authenticate: () => ({ user: 'peer', role: 'staff' }),
      logger: silentLogger,
    }),
  );
  const base = await serve(app);
  const api = createPeerApi({
    fetch: (input, init) => fetch(String(input).replace('http://peer', base), init),
    token: 't',
    label: 'peer test',
  });
  return { api, created };
}

const request: PeerJobRequest = {
  dsc: 'hello_1.0.dsc',
  files: [{ name: 'hello_1.0.dsc', size: 10, sha256: 'a'.repeat(64) }],
  codename: 'bookworm',
  architecture: 'amd64',
  archAll: false,
  distribution: 'bookworm-test-unstable',
  lintian: 'disabled',
  timeLimitMs: 60_000,
};

describe('peer jobs and build limits', () => {
  it("send a distribution's limits to the peer, which builds with them", async () => {
    const { api, created } = await peer();
    const limits = { pids: 1024, memoryBytes: 6 * 1024 ** 3, cpus: 1.5, diskBytes: 30 * 1024 ** 3 };
    await api.createJob({ ...request, limits });
    expect(created[0]!.limits).toEqual(limits);
  });

  it('send none when the distribution sets none: the peer applies its own settings', async () => {
    const { api, created } = await peer();
    await api.createJob(request);
    expect(created[0]!.limits).toBeUndefined();
  });
});
