import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiRouter } from '../../src/api/api-router.js';
import { peerFilesRouter } from '../../src/api/routers/peer-files-router.js';
import type { Daemon } from '../../src/app/daemon.js';
import { LiveLogHub } from '../../src/builder/live-log.js';
import { PeerJobs } from '../../src/remote/peer-jobs.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import {
  adminPassword,
  adminToken,
  api,
  serve,
  startTestDaemon,
  tempDir,
  webLogin,
} from '../fixtures/index.js';

const MB = 1024 * 1024;

/** A body of `bytes` sent in chunks (no Content-Length): only reading it tells its size. */
function chunked(bytes: number, chunk = 'a'.repeat(64 * 1024)): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(new TextEncoder().encode(chunk));
    },
  });
}

async function send(
  url: string,
  init: { method?: string; type?: string; body: string | ReadableStream<Uint8Array> } & {
    headers?: Record<string, string>;
  },
): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { ...(init.type ? { 'content-type': init.type } : {}), ...init.headers },
    body: init.body,
    duplex: 'half',
  } as RequestInit);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

describe('oversized request bodies', () => {
  let daemon: Daemon;
  const home = mkdtempSync(path.join(os.tmpdir(), 'debyard-test-'));
  beforeAll(async () => {
    daemon = await startTestDaemon(path.join(home, 'home'));
  });
  afterAll(async () => {
    await daemon.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const stillUp = async () =>
    expect((await api(daemon.url, 'status')).status, 'the daemon still answers').toBe(200);

  it('answer 413 with a readable page on the web UI (login form, forms behind a login)', async () => {
    const big = `user=admin&password=${'x'.repeat(MB)}`;
    for (const body of [big, chunked(MB)]) {
      const login = await send(`${daemon.url}/login`, { type: FORM, body });
      expect(login.status).toBe(413);
      expect(login.type).toMatch(/^text\/html/);
      expect(login.text).toMatch(
        /the request body is too large( \(\d+ bytes\))?: requests to the web UI take at most 64 KiB/,
      );
    }
    const as = await webLogin(daemon.url, 'admin', adminPassword(daemon));
    const form = await send(`${daemon.url}/tokens`, {
      type: FORM,
      headers: { cookie: as.cookie },
      body: `_csrf=${as.csrf}&name=${'n'.repeat(100_000)}`,
    });
    expect(form.status).toBe(413);
    expect(form.text).toContain('requests to the web UI take at most 64 KiB');
    const fields = Array.from({ length: 1500 }, (_, i) => `f${i}=1`).join('&');
    const many = await send(`${daemon.url}/login`, { type: FORM, body: fields });
    expect(many.status).toBe(413);
    expect(many.text).toContain('The form could not be read: too many parameters.');
    // A body of another type on a route that takes none: refused by its size as well.
    const repos = await send(`${daemon.url}/repos/test/dists/x`, {
      type: 'application/octet-stream',
      body: 'z'.repeat(MB),
    });
    expect(repos.status).toBe(413);
    await stillUp();
  });

  it('answer 413 with a problem document on the API (token_create, calls with a token)', async () => {
    const password = 'p'.repeat(5 * MB);
    const declared = await send(`${daemon.url}/api/v1/token_create`, {
      type: JSON_TYPE,
      body: JSON.stringify({ user: 'admin', password }),
    });
    const streamed = await send(`${daemon.url}/api/v1/token_create`, {
      type: JSON_TYPE,
      body: chunked(5 * MB, '"padding": "xxxxxxxx", '.repeat(1000)),
    });
    for (const answer of [declared, streamed]) {
      expect(answer.status).toBe(413);
      expect(answer.type).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.text)).toMatchObject({
        status: 413,
        code: 'too_large',
        detail: expect.stringMatching(
          /^the request body is too large( \(\d+ bytes\))?: API calls take at most 4 MiB$/,
        ),
      });
    }
    const admin = await adminToken(daemon);
    const key = await send(`${daemon.url}/api/v1/key_add`, {
      type: JSON_TYPE,
      headers: { authorization: `Bearer ${admin}` },
      body: JSON.stringify({ key: 'k'.repeat(6 * MB) }),
    });
    expect(key.status).toBe(413);
    // A 1 MB form body is not JSON: a clear 400, not a call made without its input.
    const form = await send(`${daemon.url}/api/v1/token_create`, {
      type: FORM,
      body: `user=admin&password=${'x'.repeat(MB)}`,
    });
    expect(form.status).toBe(400);
    expect(JSON.parse(form.text).detail).toBe(
      `API calls take their input as JSON (Content-Type: application/json), not ${FORM}`,
    );
    // A peer call (JSON) is an API call like the others.
    const peer = await send(`${daemon.url}/api/v1/peer_job_create`, {
      type: JSON_TYPE,
      headers: { authorization: `Bearer ${admin}` },
      body: JSON.stringify({ dsc: 'x.dsc', files: ['x'.repeat(5 * MB)] }),
    });
    expect(peer.status).toBe(413);
    await stillUp();
  });
});

describe('peer file transfers', () => {
  it('refuse a file larger than declared with 413, before or while reading it', async () => {
    const content = Buffer.from('Format: 3.0 (native)\nSource: tiny\n');
    const jobs = new PeerJobs({
      builder: { build: () => new Promise(() => {}) },
      logs: new LiveLogHub(),
      dir: tempDir(),
      slots: { take: () => () => {}, describe: () => '0 of 1' },
      readyChroots: () => [{ codename: 'bookworm', architecture: 'amd64' }],
      clock: systemClock,
      logger: silentLogger,
    });
    const { job } = await jobs.create({
      codename: 'bookworm',
      architecture: 'amd64',
      archAll: false,
      distribution: 'bookworm-test-unstable',
      lintian: 'disabled',
      timeLimitMs: 60_000,
      dsc: 'tiny_1.0.dsc',
      files: [
        {
          name: 'tiny_1.0.dsc',
          size: content.length,
          sha256: createHash('sha256').update(content).digest('hex'),
        },
      ],
    });
    const app = express();
    const authenticate = () => ({ user: 'peer', role: 'staff' as const });
    app.use(
      '/api/v1',
      createApiRouter({
        implementations: [],
        authenticate,
        logger: silentLogger,
        routers: [peerFilesRouter({ jobs, authenticate, logger: silentLogger })],
      }),
    );
    const base = await serve(app);
    const url = `${base}/api/v1/peer_jobs/${job}/files/tiny_1.0.dsc`;
    for (const body of ['y'.repeat(MB), chunked(MB)]) {
      const answer = await send(url, { method: 'PUT', body });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text).detail).toMatch(
        /^tiny_1\.0\.dsc: (1048576 bytes sent, 34 declared|more than the declared 34 bytes)$/,
      );
    }
    const ok = await send(url, { method: 'PUT', body: content.toString() });
    expect(ok.status).toBe(204);
  });
});
