import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DigestThread } from '../../../src/archive/publish/digest-thread.js';
import { SegmentFile } from '../../../src/archive/publish/segment-file.js';
import { persistentTempDir } from '../../fixtures/index.js';

// The built worker (tests run from the sources, which have none).
const SCRIPT = new URL('../../../dist/archive/publish/digest-worker.js', import.meta.url);

const sha256 = (parts: readonly Buffer[]) => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
};

describe('the digest thread', () => {
  const dir = persistentTempDir('debyard-digest-thread-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hashes texts from the segment file through changes, and starts again after it died', async () => {
    const file = new SegmentFile(path.join(dir, 'tmp'));
    const texts = new Map<string, Buffer>();
    let serial = 0;
    const segment = () => {
      const key = `s${serial++}`;
      const data = randomBytes(1 + ((serial * 7919) % 300_000));
      texts.set(key, data);
      file.put(key, data);
      return key;
    };
    const thread = DigestThread.create(SCRIPT)!;
    expect(thread).toBeDefined();
    let keys = Array.from({ length: 60 }, segment);
    const check = async (what: string) =>
      expect(await thread.digest('f', keys, file.locate(keys)), what).toBe(
        sha256(keys.map((k) => texts.get(k)!)),
      );
    await check('first');
    keys = keys.map((k, i) => (i === 40 ? segment() : k));
    await check('one replaced (resumed)');
    keys = [...keys.slice(0, 10), segment(), ...keys.slice(10)];
    await check('one inserted');

    // A request whose texts are not there fails with the reason; the thread goes on.
    const missing = { fd: file.locate(keys).fd, places: [file.bytes + 10, 100] };
    await expect(thread.digest('g', ['nowhere'], missing)).rejects.toThrow(
      /^hashing an index failed: the segment file ends before byte \d+$/,
    );
    await check('after a failed request');

    // What was asked of a thread that stops fails (hundreds of megabytes: still under way);
    // the next request starts another.
    const many = Array.from({ length: 40 }, () => keys).flat();
    const asked = thread.digest('many', many, file.locate(many));
    await thread.close();
    await expect(asked).rejects.toThrow(/^the digest thread exited with code \d+$/);
    await check('on a new thread, hashing whole');
  });

  it('hashes files asked for at once, each right (they take turns, every few megabytes)', async () => {
    const file = new SegmentFile(path.join(dir, 'tmp-at-once'));
    const files = ['a', 'b', 'c'].map((name) => {
      const keys = Array.from({ length: 40 }, (_, i) => `${name}${i}`);
      const texts = keys.map(() => randomBytes(300_000));
      keys.forEach((k, i) => file.put(k, texts[i]!));
      return { name, keys, texts };
    });
    const thread = DigestThread.create(SCRIPT)!;
    try {
      const digests = await Promise.all(
        files.map((f) => thread.digest(f.name, f.keys, file.locate(f.keys))),
      );
      expect(digests).toEqual(files.map((f) => sha256(f.texts)));
    } finally {
      await thread.close();
    }
  });

  it('is not made where there is no built script', () => {
    expect(DigestThread.create(new URL('file:///nonexistent/digest-worker.js'))).toBeUndefined();
  });
});
