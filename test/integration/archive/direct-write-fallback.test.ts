import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DirectWriter } from '../../../src/archive/publish/direct-write.js';
import { GenerationWriter } from '../../../src/archive/publish/generation-writer.js';
import type { BuiltFile } from '../../../src/archive/publish/index-builder.js';
import { tempDir } from '../../fixtures/index.js';

/** A file system that refuses O_DIRECT (ramfs has no direct I/O): mounted for the test. */
function ramfs(): string {
  const mount = tempDir();
  execFileSync('mount', ['-t', 'ramfs', 'ramfs', mount]);
  onTestFinished(() => {
    execFileSync('umount', ['-l', mount]);
  });
  return mount;
}

function built(file: string, size: number): BuiltFile {
  const data = randomBytes(size);
  const parts = [data.subarray(0, 1000), data.subarray(1000)];
  return { path: file, parts, size, sha256: () => Promise.resolve('') };
}

describe('publishing where O_DIRECT is refused', () => {
  it('DirectWriter says so, and the generation writer writes big files the usual way', async () => {
    const root = ramfs();
    expect(
      await new DirectWriter().write(path.join(root, 'probe'), [randomBytes(8192)], 8192),
    ).toBe(false);

    const writer = new GenerationWriter(() => path.join(root, 'repo'));
    const files = [built('main/binary-amd64/Packages.xz', 3 << 20), built('main/small', 100)];
    const staged = writer.stage('repo', 'dist', 1, files);
    await staged.done;
    for (const f of files) {
      expect(readFileSync(path.join(staged.temp, f.path)).equals(Buffer.concat(f.parts))).toBe(
        true,
      );
    }
  });
});
