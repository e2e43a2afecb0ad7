import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectWriter } from '../../../../src/archive/publish/direct-write.js';
import { tempDir } from '../../../fixtures/index.js';

const MiB = 1 << 20;

/** `size` random bytes cut into parts of uneven sizes (as a file's segments are). */
function partsOf(size: number): Buffer[] {
  const data = randomBytes(size);
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < size; i++) {
    const n = Math.min(size - at, 1 + ((i * 7919) % 70_000));
    parts.push(data.subarray(at, at + n));
    at += n;
  }
  return parts;
}

describe('DirectWriter', () => {
  it('writes every byte and the exact size, around block and chunk boundaries', async () => {
    const dir = tempDir();
    const writer = new DirectWriter();
    for (const size of [1, 4095, 4096, 4097, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1, 5 * MiB + 123]) {
      const parts = partsOf(size);
      const file = path.join(dir, `f${size}`);
      // O_DIRECT is taken here: the test folder is on the machine's disk file system.
      expect(await writer.write(file, parts, size)).toBe(true);
      expect(statSync(file).size).toBe(size);
      expect(readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
    }
  });

  it('writes files side by side through its buffers, each whole, and truncates an old file', async () => {
    const dir = tempDir();
    const writer = new DirectWriter();
    const files = [3 * MiB + 5, 4 * MiB + 4096, 2 * MiB + 17, 1 * MiB].map((size, i) => ({
      file: path.join(dir, `f${i}`),
      parts: partsOf(size),
      size,
    }));
    const results = await Promise.all(files.map((f) => writer.write(f.file, f.parts, f.size)));
    expect(results).toEqual([true, true, true, true]);
    for (const f of files) expect(readFileSync(f.file).equals(Buffer.concat(f.parts))).toBe(true);
    // Written again, shorter: nothing of the longer content is left.
    const shorter = partsOf(MiB + 1);
    expect(await writer.write(files[1]!.file, shorter, MiB + 1)).toBe(true);
    expect(readFileSync(files[1]!.file).equals(Buffer.concat(shorter))).toBe(true);
  });

  it('refuses parts that do not add up to the size', async () => {
    const file = path.join(tempDir(), 'short');
    await expect(new DirectWriter().write(file, partsOf(3 * MiB), 3 * MiB + 1)).rejects.toThrow(
      '3145728 bytes given for a file of 3145729',
    );
  });
});
