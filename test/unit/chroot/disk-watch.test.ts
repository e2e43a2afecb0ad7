import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskWatch, folderSize } from '../../../src/chroot/disk-watch.js';
import { tempDir } from '../../fixtures/index.js';

const MiB = 1024 ** 2;

describe('folderSize', () => {
  it('counts allocated blocks, hard links once, symbolic links as links', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    writeFileSync(path.join(dir, 'a/b/data'), Buffer.alloc(3 * MiB, 1));
    linkSync(path.join(dir, 'a/b/data'), path.join(dir, 'a/again'));
    symlinkSync('/usr', path.join(dir, 'usr'));
    const size = await folderSize(dir);
    expect(size).toBeGreaterThanOrEqual(3 * MiB);
    expect(size).toBeLessThan(3 * MiB + 256 * 1024);
  });
});

describe('DiskWatch', () => {
  it('calls back once when the folder grows past its limit, and not before', async () => {
    const dir = tempDir();
    const seen: number[] = [];
    const watch = new DiskWatch({
      dir,
      limitBytes: 2 * MiB,
      onExceeded: (used) => seen.push(used),
      intervalMs: 20,
    });
    watch.start();
    try {
      writeFileSync(path.join(dir, 'small'), Buffer.alloc(MiB, 1));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toEqual([]);
      writeFileSync(path.join(dir, 'big'), Buffer.alloc(2 * MiB, 1));
      await expect.poll(() => seen.length, { timeout: 2000 }).toBe(1);
      expect(seen[0]).toBeGreaterThan(3 * MiB - 1);
      writeFileSync(path.join(dir, 'more'), Buffer.alloc(MiB, 1));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toHaveLength(1);
    } finally {
      watch.stop();
    }
  });
});
