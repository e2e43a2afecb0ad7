import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectResults } from '../../../src/build/results.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function changes(files: [string, string][]): string {
  const lines = files.map(([name, content]) => ` ${sha(content)} ${content.length} ${name}`);
  return `Format: 1.8\nSource: p\nChecksums-Sha256:\n${lines.join('\n')}\nFiles:\n x\n`;
}

describe('collectResults', () => {
  it('copies the .changes and the files it lists', async () => {
    const build = tempDir();
    writeFileSync(path.join(build, 'p_1_amd64.deb'), 'deb');
    writeFileSync(path.join(build, 'p_1_amd64.buildinfo'), 'info');
    writeFileSync(path.join(build, 'p_1.dsc'), 'source: not a result');
    writeFileSync(
      path.join(build, 'p_1_amd64.changes'),
      changes([
        ['p_1_amd64.deb', 'deb'],
        ['p_1_amd64.buildinfo', 'info'],
      ]),
    );
    const results = path.join(tempDir(), 'results');
    const collected = await collectResults(build, results);
    expect(collected.changes).toBe(path.join(results, 'p_1_amd64.changes'));
    expect(readdirSync(results).sort()).toEqual([
      'p_1_amd64.buildinfo',
      'p_1_amd64.changes',
      'p_1_amd64.deb',
    ]);
  });

  it('lists every mismatch between the .changes and the build', async () => {
    const build = tempDir();
    writeFileSync(path.join(build, 'p_1_amd64.deb'), 'DEB');
    writeFileSync(path.join(build, 'p-doc_1_all.deb'), 'doc');
    writeFileSync(path.join(build, 'p_1_amd64.buildinfo'), 'info, longer');
    writeFileSync(
      path.join(build, 'p_1_amd64.changes'),
      changes([
        ['p_1_amd64.deb', 'deb'],
        ['p_1_amd64.buildinfo', 'info'],
        ['p-dbg_1_amd64.deb', 'x'],
      ]),
    );
    const error = await collectResults(build, path.join(tempDir(), 'r')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toBe(
      'the build results do not match p_1_amd64.changes',
    );
    expect((error as InvalidInputError).problems).toEqual([
      {
        where: 'p_1_amd64.deb',
        message: `has SHA-256 ${sha('DEB')}, the .changes says ${sha('deb')}`,
      },
      { where: 'p_1_amd64.buildinfo', message: 'has 12 bytes, the .changes says 4' },
      { where: 'p-dbg_1_amd64.deb', message: 'is listed in the .changes but was not built' },
      { where: 'p-doc_1_all.deb', message: 'was built but p_1_amd64.changes does not list it' },
    ]);
  });

  it('wants exactly one .changes', async () => {
    await expect(collectResults(tempDir(), tempDir())).rejects.toThrow(
      'the build left 0 .changes files instead of one',
    );
  });
});
