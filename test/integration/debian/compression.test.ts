import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compressBuffer, decompressBuffer } from '../../../src/debian/compression.js';
import { hashBuffer, hashStream } from '../../../src/debian/hashing.js';
import { InvalidInputError } from '../../../src/shared/errors.js';

function tool(command: string, args: string[], input: Buffer): Buffer {
  return execFileSync(command, args, { input, maxBuffer: 64 * 1024 * 1024 });
}

const SAMPLE = Buffer.concat([randomBytes(300_000), Buffer.alloc(2_000_000), Buffer.from('Package: x\n'.repeat(5000))]);

describe('compression against gzip, xz and zstd', () => {
  it.each(['gzip', 'xz'] as const)('writes %s that the tool itself reads, and reads it back', async (kind) => {
    const packed = await compressBuffer(SAMPLE, kind);
    expect(tool(kind, ['-dc'], packed).equals(SAMPLE)).toBe(true);
    expect((await decompressBuffer(tool(kind, ['-c'], SAMPLE), kind)).equals(SAMPLE)).toBe(true);
  });

  it('writes reproducible gzip (no name, no time)', async () => {
    const a = await compressBuffer('Package: x\n', 'gzip');
    expect(a.readUInt32LE(4)).toBe(0);
    expect(a.equals(await compressBuffer('Package: x\n', 'gzip'))).toBe(true);
  });

  it.each([
    ['with checksum', ['--check', '-3']],
    ['without checksum', ['--no-check', '-19']],
    ['with the content size unknown', ['--no-content-size', '-1']],
  ])('reads zstd %s, several frames and a skippable frame', async (_what, flags) => {
    const one = tool('zstd', ['-c', ...flags], SAMPLE);
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const data = Buffer.concat([one, skippable, tool('zstd', ['-c', ...flags], Buffer.from('tail'))]);
    const out = await decompressBuffer(data, 'zstd');
    expect(out.equals(Buffer.concat([SAMPLE, Buffer.from('tail')]))).toBe(true);
  });

  it('refuses truncated zstd', async () => {
    const data = tool('zstd', ['-c'], SAMPLE);
    await expect(decompressBuffer(data.subarray(0, data.length - 10), 'zstd')).rejects.toThrow(
      new InvalidInputError('zstd data ends in the middle of a frame'),
    );
  });
});

describe('hashing', () => {
  it('gives the same size and checksums as coreutils, in one pass', async () => {
    const sums = Object.fromEntries(
      ['md5', 'sha1', 'sha256', 'sha512'].map((alg) => [alg, tool(`${alg}sum`, [], SAMPLE).toString().split(' ')[0]]),
    );
    const chunks = [SAMPLE.subarray(0, 1000), SAMPLE.subarray(1000)];
    expect(await hashStream(chunks)).toEqual({ size: SAMPLE.length, ...sums });
    expect(hashBuffer(SAMPLE)).toEqual({ size: SAMPLE.length, ...sums });
  });
});
