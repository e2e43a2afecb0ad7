import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { unxzSync, xzAsync } from 'node-liblzma';
import { hasNativeXz, unxzOneCall, xzOneCallAsync } from '../../../src/debian/xz-one-call.js';

/** What xz(1) makes of `data` (the reference encoder). */
const xz = (data: Buffer, ...flags: string[]) =>
  execFileSync('xz', ['-c', ...flags], { input: data, maxBuffer: 64 << 20 });

const LIMIT = 64 << 20;
const tarLike = Buffer.concat([Buffer.from('./control\0'), Buffer.alloc(10230)]);
const text = Buffer.from('Package: hello\nVersion: 1.0\n'.repeat(4000));

describe('unxzOneCall', () => {
  it('uses node-liblzma’s native binding here', () => {
    expect(hasNativeXz()).toBe(true);
  });

  it.each([
    ['a padded tar record', tarLike, []],
    ['text larger than the first output buffer', text, ['-0']],
    ['random bytes', randomBytes(100_000), []],
    ['empty input', Buffer.alloc(0), []],
    ['a CRC32 check', text, ['--check=crc32']],
    ['a SHA-256 check', tarLike, ['--check=sha256']],
  ])('decodes %s as xz(1) wrote it', (_name, data, flags) => {
    const decoded = unxzOneCall(xz(data, ...flags), LIMIT);
    expect(decoded?.equals(data)).toBe(true);
  });

  it('decodes concatenated streams, as xz -d does', () => {
    const joined = Buffer.concat([xz(Buffer.from('one\n')), xz(Buffer.from('two\n'))]);
    expect(unxzOneCall(joined, LIMIT)?.toString()).toBe('one\ntwo\n');
    expect(execFileSync('xz', ['-dc'], { input: joined }).toString()).toBe('one\ntwo\n');
  });

  it('gives undefined (the streaming reader then names the error) for bad input', () => {
    const good = xz(text);
    const corrupt = Buffer.from(good);
    corrupt[Math.floor(corrupt.length / 2)]! ^= 0xff;
    expect(unxzOneCall(corrupt, LIMIT)).toBeUndefined();
    expect(unxzOneCall(good.subarray(0, good.length - 20), LIMIT)).toBeUndefined();
    expect(unxzOneCall(Buffer.concat([good, Buffer.from('garbage!')]), LIMIT)).toBeUndefined();
    expect(unxzOneCall(Buffer.from('not xz at all'), LIMIT)).toBeUndefined();
    // What unxzSync (node-liblzma's own way) says about the same corruption.
    expect(() => unxzSync(corrupt)).toThrow();
  });

  it('stops at the output limit instead of growing without bound', () => {
    const zeros = xz(Buffer.alloc(4 << 20));
    expect(unxzOneCall(zeros, 1 << 20)).toBeUndefined();
    expect(unxzOneCall(zeros, 8 << 20)?.length).toBe(4 << 20);
  });
});

describe('xzOneCallAsync', () => {
  it.each([
    ['empty input', Buffer.alloc(0)],
    ['a short text', Buffer.from('hello\n')],
    ['an index segment', text],
    ['incompressible bytes', randomBytes(70_000)],
  ])('writes the same bytes as node-liblzma’s xzAsync for %s, and xz -d reads them', async (_name, data) => {
    const ours = await xzOneCallAsync(data, 0)!;
    expect(ours.equals(await xzAsync(data, { preset: 0 }))).toBe(true);
    expect(execFileSync('xz', ['-dc'], { input: ours, maxBuffer: 64 << 20 }).equals(data)).toBe(true);
  });

  it('compresses many buffers at once without mixing them up', async () => {
    const inputs = Array.from({ length: 32 }, (_, i) => Buffer.from(`segment ${i}\n`.repeat(500 + i)));
    const outputs = await Promise.all(inputs.map((b) => xzOneCallAsync(b, 0)!));
    outputs.forEach((out, i) => expect(unxzOneCall(out, LIMIT)?.equals(inputs[i]!)).toBe(true));
  });
});
