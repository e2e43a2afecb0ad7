import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { withReadingThreads } from '../../../src/archive/deb-files.js';
import { debianFormats } from '../../../src/archive/debian-formats.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { buildDeb, tempDir } from '../../fixtures/index.js';

// The worker script is the built one (npm test builds first), as the daemon runs it.
const script = new URL('../../../dist/archive/deb-read-worker.js', import.meta.url);

describe('reading .debs on worker threads', () => {
  const threads = withReadingThreads(debianFormats, { script, size: 2 });
  afterAll(() => threads.close());

  it('reads a bulk of packages on the threads exactly as in-thread', async () => {
    expect(existsSync(fileURLToPath(script))).toBe(true);
    const dir = tempDir();
    const debs = Array.from({ length: 12 }, (_, i) =>
      buildDeb(dir, {
        name: `threaded${i}`,
        version: `1.${i}`,
        architecture: 'amd64',
        compression: ['xz', 'gzip', 'zstd', 'none'][i % 4]!,
        files: { [`usr/share/threaded${i}/README`]: `${i}\n`, 'usr/bin/tool': '#!/bin/sh\n' },
      }),
    );
    const [threaded, inThread] = await Promise.all([
      Promise.all(debs.map((deb) => threads.readDeb(deb))),
      Promise.all(debs.map((deb) => debianFormats.readDeb(deb))),
    ]);
    expect(threads.readOnThreads).toBeGreaterThanOrEqual(8);
    threaded.forEach((info, i) => {
      expect(info.control.fields).toEqual(inThread[i]!.control.fields);
      expect(info.files).toEqual(inThread[i]!.files);
      expect(info.digests).toEqual(inThread[i]!.digests);
    });
    expect(threaded[3]!.files).toEqual(['usr/bin/tool', 'usr/share/threaded3/README']);
  });

  it('answers every request of batches queued two deep per thread with its own result', async () => {
    const dir = tempDir();
    const debs = Array.from({ length: 6 }, (_, i) =>
      buildDeb(dir, {
        name: `deep${i}`,
        version: `2.${i}`,
        architecture: 'amd64',
        compression: 'xz',
      }),
    );
    // 150 reads: more than two batches of 32 per thread, so answers overtake requests.
    const files = Array.from({ length: 150 }, (_, i) => debs[i % debs.length]!);
    const before = threads.readOnThreads;
    const infos = await Promise.all(files.map((deb) => threads.readDeb(deb)));
    expect(threads.readOnThreads - before).toBeGreaterThanOrEqual(140);
    expect(infos.map((info) => info.control.get('Package'))).toEqual(
      files.map((_, i) => `deep${i % debs.length}`),
    );
  });

  it('stops its threads when the reads of an install are done and none runs, and starts them again', async () => {
    const dir = tempDir();
    const debs = Array.from({ length: 40 }, (_, i) =>
      buildDeb(dir, { name: `done${i}`, version: '1', compression: 'xz' }),
    );
    const first = Promise.all(debs.map((deb) => threads.readDeb(deb)));
    await threads.readsDone?.(); // reads still running: the threads stay
    expect(threads.threads).toBeGreaterThan(0);
    await first;
    await threads.readsDone?.();
    expect(threads.threads).toBe(0);
    const before = threads.readOnThreads;
    const again = await Promise.all(debs.map((deb) => threads.readDeb(deb)));
    expect(threads.readOnThreads - before).toBeGreaterThan(0);
    expect(again[39]!.control.get('Package')).toBe('done39');
  });

  it('passes typed errors back from the threads', async () => {
    const dir = tempDir();
    const good = Array.from({ length: 6 }, (_, i) =>
      buildDeb(dir, { name: `ok${i}`, version: '1', compression: 'xz' }),
    );
    const bad = path.join(dir, 'bad_1_all.deb');
    writeFileSync(bad, 'not a package');
    const missing = path.join(dir, 'missing_1_all.deb');
    const before = threads.readOnThreads;
    const results = await Promise.allSettled(
      [...good, bad, missing].map((deb) => threads.readDeb(deb)),
    );
    expect(threads.readOnThreads - before).toBeGreaterThanOrEqual(4);
    expect(results.slice(0, 6).every((r) => r.status === 'fulfilled')).toBe(true);
    const [badResult, missingResult] = results.slice(6) as PromiseRejectedResult[];
    expect(badResult!.reason).toBeInstanceOf(InvalidInputError);
    expect(badResult!.reason.message).toBe(
      'bad_1_all.deb: not a Debian binary package (no ar archive signature)',
    );
    expect(missingResult!.reason.code).toBe('ENOENT');
  });
});
