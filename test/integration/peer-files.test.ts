import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createApiRouter } from '../../src/api/api-router.js';
import { peerFilesRouter } from '../../src/api/routers/peer-files-router.js';
import { peerRoutes } from '../../src/api/routers/peers-router.js';
import type { BuildRequest, BuildResult } from '../../src/builder/build-request.js';
import { LiveLogHub } from '../../src/builder/live-log.js';
import { PeerJobs } from '../../src/remote/peer-jobs.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { serve, tempDir } from '../fixtures/index.js';

const KEY = { codename: 'bookworm', architecture: 'amd64' };
const DSC = Buffer.from('Format: 3.0 (native)\nSource: big\n');
const DEB = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));

/** A build that floods its log and leaves one result file. */
function floodingBuilder(logs: LiveLogHub) {
  return {
    build: async (request: BuildRequest): Promise<BuildResult> => {
      const log = logs.open(request.id, request.logFile);
      for (let i = 0; i < 10_000; i++) log.write(`noise line ${i} ${'z'.repeat(30)}\n`);
      log.write('Status: successful\n');
      // (A LiveLog of old returned nothing from close.)
      const droppedBytes = (log.close() as { droppedBytes: number } | undefined)?.droppedBytes;
      mkdirSync(request.resultDir, { recursive: true });
      const deb = path.join(request.resultDir, 'big_1.0_amd64.deb');
      writeFileSync(deb, DEB);
      return {
        id: request.id,
        status: 'successful',
        failStage: null,
        reason: null,
        package: 'big',
        version: '1.0',
        architecture: 'amd64',
        changes: null,
        files: [deb],
        logFile: request.logFile,
        lintian: 'disabled',
        startedAt: new Date().toISOString(),
        buildTimeMs: 1,
        installTimeMs: 1,
        totalTimeMs: 1,
        setupTimeMs: 1,
        logDroppedBytes: droppedBytes,
      };
    },
  };
}

describe('peer job files and logs', () => {
  it('serve result files with Range, and a capped log streamed with its mark', async () => {
    const logs = new LiveLogHub({ maxBytes: 64 * 1024 });
    const jobs = new PeerJobs({
      builder: floodingBuilder(logs),
      logs,
      dir: tempDir(),
      slots: { take: () => () => {}, describe: () => '0 of 1' },
      readyChroots: () => [KEY],
      clock: systemClock,
      logger: silentLogger,
    });
    const { job } = await jobs.create({
      ...KEY,
      archAll: false,
      distribution: 'bookworm-test-unstable',
      lintian: 'disabled',
      timeLimitMs: 60_000,
      dsc: 'big_1.0.dsc',
      files: [
        {
          name: 'big_1.0.dsc',
          size: DSC.length,
          sha256: createHash('sha256').update(DSC).digest('hex'),
        },
      ],
    });
    await jobs.receive(job, 'big_1.0.dsc', Readable.from([DSC]));
    jobs.start(job);
    await expect.poll(() => jobs.get(job).state).toBe('done');
    const app = express();
    const authenticate = () => ({ user: 'peer', role: 'staff' as const });
    app.use(
      '/api/v1',
      createApiRouter({
        implementations: peerRoutes({ jobs, status: () => ({}) as never }),
        authenticate,
        logger: silentLogger,
        routers: [peerFilesRouter({ jobs, authenticate, logger: silentLogger })],
      }),
    );
    const base = await serve(app);
    const url = `${base}/api/v1/peer_jobs/${job}/results/big_1.0_amd64.deb`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(DEB)).toBe(true);
    const part = await fetch(url, { headers: { range: 'bytes=50000-50099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 50000-50099/${DEB.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(DEB.subarray(50000, 50100))).toBe(true);
    const missing = await fetch(`${base}/api/v1/peer_jobs/${job}/results/other.deb`);
    expect(missing.status).toBe(404);

    const answer = await fetch(`${base}/api/v1/peer_job_log?job=${job}`);
    const { log, result } = (await answer.json()) as {
      log: string;
      result: { logDroppedBytes: number; status: string };
    };
    expect(result.status).toBe('successful');
    expect(result.logDroppedBytes).toBeGreaterThan(200_000);
    expect(log).toMatch(
      new RegExp(
        `^\\[debyard\\] ${result.logDroppedBytes} bytes of this log were dropped here`,
        'm',
      ),
    );
    expect(log.startsWith('noise line 0 ')).toBe(true);
    expect(
      log.endsWith('noise line 9999 zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\nStatus: successful\n'),
    ).toBe(true);
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(64 * 1024 + 200);
  });
});
