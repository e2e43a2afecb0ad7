import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/shared/atomic-fs.js';
import { tempDir } from '../../fixtures/index.js';

describe('writeFileAtomic', () => {
  it('creates a file with the given mode and no temporary leftovers', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'secret');
    await writeFileAtomic(file, 'hello\n', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('replaces existing content whole', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'index');
    writeFileSync(file, 'old content that is longer');
    await writeFileAtomic(file, Buffer.from('new'));
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('fails without leaving a temporary file when the folder is missing', async () => {
    const dir = tempDir();
    await expect(writeFileAtomic(path.join(dir, 'missing', 'f'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
