import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { debianXz } from '../../../../src/archive/debian-formats.js';
import { deflateSegment, joinGzip } from '../../../../src/archive/publish/gzip-members.js';
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
