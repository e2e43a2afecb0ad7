import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  chunksOf,
  PrefixDigests,
  type KeyedChunks,
} from '../../../../src/archive/publish/prefix-digests.js';

interface KeyedChunk {
  key: string;
  data: Buffer;
}

/** The chunks, counting how many of them a digest reads. */
const counted = (chunks: readonly KeyedChunk[], reads: { count: number }): KeyedChunks => {
  const inner = chunksOf(
    chunks.map((c) => c.key),
    chunks.map((c) => c.data),
  );
  return {
    keys: inner.keys,
    async *from(first) {
      for await (const data of inner.from(first)) {
        reads.count++;
        yield data;
      }
    },
  };
};

const sha256 = (parts: readonly Buffer[]) => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
};

let serial = 0;
const chunk = (): KeyedChunk => ({
  key: `k${serial++}`,
  data: randomBytes(1 + (serial % 5) * 997),
});

describe('PrefixDigests', () => {
  it('gives the SHA-256 of the whole file through every kind of change, resumed or not', async () => {
    const digests = new PrefixDigests();
    const tail = [Buffer.from('trailer')];
    let chunks = Array.from({ length: 100 }, chunk);
    const reads = { count: 0 };
    const check = async (what: string) =>
      expect(await digests.digest('f', counted(chunks, reads), tail), what).toBe(
        sha256([...chunks.map((c) => c.data), ...tail]),
      );
    await check('first build');
    expect(reads.count).toBe(100);
    await check('unchanged');
    // Resumed from the state after chunk 96 (the last kept, every 16 chunks).
    expect(reads.count).toBe(104);
    // Changes at and around the places states are kept (every 16 chunks), at both ends.
    for (const at of [0, 1, 15, 16, 17, 31, 32, 50, 98, 99]) {
      chunks = chunks.map((c, i) => (i === at ? chunk() : c));
      await check(`replaced chunk ${at}`);
    }
    chunks = [...chunks, chunk(), chunk()];
    await check('appended');
    chunks = [...chunks.slice(0, 40), ...chunks.slice(41)];
    await check('removed one');
    chunks = chunks.slice(0, 20);
    await check('cut short');
    chunks = [...chunks.slice(0, 16), ...Array.from({ length: 70 }, chunk)];
    await check('grown again after a state boundary');
    // Another file's states are its own.
    const other = Array.from({ length: 40 }, chunk);
    expect(await digests.digest('g', counted(other, reads), [])).toBe(
      sha256(other.map((c) => c.data)),
    );
    await check('first file after another');
  });

  it('forgets the least recently built files beyond its capacity, and still hashes them right', async () => {
    const digests = new PrefixDigests(2);
    const files = ['a', 'b', 'c'].map((name) => ({
      name,
      chunks: Array.from({ length: 20 }, chunk),
    }));
    for (const round of [0, 1]) {
      for (const f of files) {
        if (round) f.chunks[18] = chunk();
        expect(await digests.digest(f.name, counted(f.chunks, { count: 0 }), [])).toBe(
          sha256(f.chunks.map((c) => c.data)),
        );
      }
    }
  });
});
