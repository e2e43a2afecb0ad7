import { readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LiveLog } from '../../src/builder/live-log.js';
import { openSse, spawnDaemon, startTestDaemon, tempDir, waitForExit } from '../fixtures/index.js';
import { seedFailedBuild } from '../fixtures/subsystems.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const MARKER =
  /^\[debyard\] (\d+) bytes of this log were dropped here: it grew past build\.max_log_size \(([^)]+)\); its last \d+ bytes follow\.$/gm;

/** A build that prints `bytes` of output: header, a flood of lines, then its end. */
function flood(bytes: number) {
  return (log: LiveLog) => {
    log.write('+==== flood 1.0 (amd64) ====+\nPackage: flood <img src=x onerror=alert(1)>\n');
    const line = `${'y'.repeat(70)}\n`;
    const block = line.repeat(1000);
    for (let sent = 0; sent < bytes; sent += block.length) log.write(block);
    log.write('\nE: the build failed\n\nSummary\nStatus: attempted\n');
  };
}

/** GET over a connection of its own; resolves with status, headers and body bytes. */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      http
        .get(url, { agent: false, headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        })
        .on('error', reject);
    },
  );
}

/**
 * A client that asks for `url`, takes the first piece and then reads nothing more (a
 * slow or hostile reader): what the daemon has not sent yet must wait in the file.
 */
function stalledReader(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; close: () => void }>((resolve, reject) => {
    const request = http.get(url, { agent: false, headers }, (response) => {
      response.once('data', () => {
        response.pause();
        resolve({ status: response.statusCode ?? 0, close: () => request.destroy() });
      });
    });
    request.on('error', reject);
  });
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kb('VmRSS') * KIB, peak: kb('VmHWM') * KIB };
}

describe('a build that floods its log', () => {
  it('keeps its log within build.max_log_size, with a marker line, and serves it in pieces and ranges', async () => {
    const home = path.join(tempDir(), 'home');
    const daemon = await startTestDaemon(home);
    try {
      const max = 256 * KIB;
      const seeded = seedFailedBuild(home, flood(3 * MIB), { maxBytes: max });
      const size = statSync(seeded.logFile).size;
      const file = readFileSync(seeded.logFile);
      const text = file.toString('utf8');
      const markers = [...text.matchAll(MARKER)];
      expect(markers).toHaveLength(1);
      expect(markers[0]![2]).toBe('256 KiB');
      const dropped = Number(markers[0]![1]);
      expect(dropped).toBeGreaterThan(2.5 * MIB);
      expect(seeded.droppedBytes).toBe(dropped);
      expect(size).toBeLessThanOrEqual(max + 200);
      expect(text.startsWith('+==== flood 1.0 (amd64) ====+\nPackage: flood <img')).toBe(true);
      expect(text.endsWith('E: the build failed\n\nSummary\nStatus: attempted\n')).toBe(true);

      // The build is marked.
      const builds = await (await fetch(`${daemon.url}/api/v1/builds?source=flood`)).json();
      expect(builds).toMatchObject([{ id: seeded.buildId, logDroppedBytes: dropped }]);
      const page = await (await fetch(`${daemon.url}/builds/${seeded.buildId}`)).text();
      expect(page).toContain(`so ${dropped} bytes between its start and its end were dropped`);
      // The page shows the log's end, escaped.
      expect(page).toContain('Status: attempted');
      expect(page).not.toContain('<img src=x');

      const url = `${daemon.url}/api/v1/build_log?build=${seeded.buildId}`;
      const whole = await get(url);
      expect(whole.status).toBe(200);
      expect(whole.headers['accept-ranges']).toBe('bytes');
      expect(whole.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(whole.body.equals(file)).toBe(true);
      const range = await get(url, { range: 'bytes=1000-1999' });
      expect(range.status).toBe(206);
      expect(range.headers['content-range']).toBe(`bytes 1000-1999/${size}`);
      expect(range.body.equals(file.subarray(1000, 2000))).toBe(true);
      const end = await get(url, { range: 'bytes=-40' });
      expect(end.status).toBe(206);
      expect(end.body.equals(file.subarray(size - 40))).toBe(true);
      const beyond = await get(url, { range: `bytes=${size + 10}-` });
      expect(beyond.status).toBe(416);
      expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
      expect(JSON.parse(beyond.body.toString('utf8')).detail).toBe(
        `the range "bytes=${size + 10}-" is not within the ${size} bytes there are`,
      );

      const json = await get(url, { accept: 'application/json' });
      expect(JSON.parse(json.body.toString('utf8'))).toEqual({
        build: seeded.buildId,
        state: 'FAILED',
        logDroppedBytes: dropped,
        text,
      });
      const followed = await openSse(`${url}&follow=true`);
      await followed.ended;
      const items = followed.messages.map((m) => JSON.parse(m.data) as Record<string, unknown>);
      expect(items.at(-1)).toEqual({ end: true, state: 'FAILED' });
      expect(
        items
          .slice(0, -1)
          .map((i) => `${i.line as string}\n`)
          .join(''),
      ).toBe(text);
    } finally {
      await daemon.stop();
    }
  });

  it('does not grow the daemon by the log for each of 24 readers at once', async () => {
    const home = path.join(tempDir(), 'home');
    const max = 32 * MIB;
    const daemon = await spawnDaemon(['--home', home], { DEBYARD_BUILD_MAX_LOG_SIZE: '32M' });
    try {
      const seeded = seedFailedBuild(home, flood(40 * MIB), { maxBytes: max });
      const size = statSync(seeded.logFile).size;
      expect(size).toBeLessThanOrEqual(max + 200);
      const small = seedFailedBuild(home, flood(256 * KIB), { source: 'small' });
      const logUrl = (id: number) => `${daemon.url}/api/v1/build_log?build=${id}`;
      const kinds = (url: string): [string, Record<string, string>][] => [
        [url, {}],
        [url, { accept: 'application/json' }],
        [`${url}&follow=true`, { accept: 'text/event-stream' }],
        [url, { range: 'bytes=4096-' }],
      ];
      // Warm up every path once, all the way (the first answers load code).
      for (const [u, h] of kinds(logUrl(small.buildId))) {
        expect((await get(u, h)).status).toBeLessThan(300);
      }
      const url = logUrl(seeded.buildId);
      // Two that read all of it (and warm up reading a big log).
      const full = await Promise.all([get(url), get(url, { accept: 'application/json' })]);
      expect(full[0].body.length).toBe(size);
      expect(JSON.parse(full[1].body.toString('utf8')).text).toHaveLength(size);
      const pid = daemon.child.pid!;
      const before = memoryOf(pid).rss;
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // the peak starts again from now
      const readers = await Promise.all(
        Array.from({ length: 24 }, (_, i) => stalledReader(...kinds(url)[i % 4]!)),
      );
      expect(readers.map((r) => r.status)).toEqual(
        Array.from({ length: 24 }, (_, i) => (i % 4 === 3 ? 206 : 200)),
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const growth = memoryOf(pid).peak - before;
      for (const reader of readers) reader.close();
      console.info(
        `daemon memory: ${Math.round(before / MIB)} MiB before, peak ${Math.round(growth / MIB)} MiB more with 24 stalled readers of a ${Math.round(size / MIB)} MiB log`,
      );
      expect(growth, 'the daemon grew by more than the log').toBeLessThan(size);
      expect((await get(`${daemon.url}/api/v1/status`)).status).toBe(200);
    } finally {
      daemon.child.kill('SIGTERM');
      await waitForExit(daemon.child, 20_000);
    }
  });
});
