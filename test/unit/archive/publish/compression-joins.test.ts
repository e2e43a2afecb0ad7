import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { debianXz } from '../../../../src/archive/debian-formats.js';
import {
  crc32Combine,
  deflateSegment,
  joinGzip,
} from '../../../../src/archive/publish/gzip-members.js';
import { joinXz, xzBlocks } from '../../../../src/archive/publish/xz-blocks.js';
import { tempDir } from '../../../fixtures/index.js';

const texts = [
  'Package: a\nVersion: 1\n\n',
  'Package: b\nVersion: 2\n\n'.repeat(500),
  'Package: z\n\n',
];

describe('joining separately compressed segments', () => {
  it('gives one gzip member that gunzip and gzip -t read whole', async () => {
    const raw = texts.map((t) => Buffer.from(t));
    let crc = 0;
    for (const r of raw) crc = crc32(r, crc);
    const parts = joinGzip(
      await Promise.all(raw.map(deflateSegment)),
      crc,
      Buffer.concat(raw).length,
    );
    const gz = Buffer.concat(parts);
    expect(gunzipSync(gz).toString()).toBe(texts.join(''));
    expect(execFileSync('gzip', ['-dc'], { input: gz }).toString()).toBe(texts.join(''));
  });

  it('combines CRC-32s of parts into the CRC-32 of their concatenation', () => {
    // Empty parts, one byte, about a segment's size, and a megabyte.
    for (const [a, b] of [
      [0, 0],
      [7, 0],
      [0, 1],
      [1, 1],
      [5000, 76_543],
      [3, (1 << 20) + 5],
    ] as const) {
      const first = randomBytes(a);
      const second = randomBytes(b);
      expect(crc32Combine(crc32(first), crc32(second), b)).toBe(
        crc32(Buffer.concat([first, second])),
      );
    }
    // Lengths of 2^32 bytes and more (shifting them as 32-bit integers would lose them):
    // appending a part of CRC 0 twice agrees with appending one of twice the length.
    const crcOfA = crc32(Buffer.from('a'));
    const half = crc32Combine(crcOfA, 0, 2 ** 32);
    expect(crc32Combine(half, 0, 2 ** 32)).toBe(crc32Combine(crcOfA, 0, 2 ** 33));
    expect(half).not.toBe(crcOfA);
  });

  it('gives one xz stream of many blocks that xz reads whole and lists as one stream', async () => {
    const streams = await Promise.all(texts.map((t) => debianXz.xz(Buffer.from(t))));
    const xz = Buffer.concat(joinXz(streams.map(xzBlocks), Buffer.from([0, 4])));
    expect(execFileSync('xz', ['-dc'], { input: xz }).toString()).toBe(texts.join(''));
    const file = path.join(tempDir(), 'joined.xz');
    writeFileSync(file, xz);
    const list = execFileSync('xz', ['--robot', '--list', file]).toString();
    expect(list).toMatch(/^totals\t1\t3\t/m); // 1 stream, 3 blocks
  });

  it('writes valid empty files', () => {
    expect(gunzipSync(Buffer.concat(joinGzip([], 0, 0))).length).toBe(0);
    const xz = Buffer.concat(joinXz([], Buffer.from([0, 4])));
    expect(execFileSync('xz', ['-dc'], { input: xz }).length).toBe(0);
  });
});
