import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectResults } from '../../../src/builder/results.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { tempDir } from '../../fixtures/index.js';

const hash = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');

/** A .changes as dpkg-genchanges writes it, listing `files` with their content. */
function changes(files: [string, string][]): string {
  const list = (algorithm: string, extra = '') =>
    files
      .map(([name, content]) => ` ${hash(algorithm, content)} ${content.length}${extra} ${name}`)
      .join('\n');
  return [
    'Format: 1.8',
    'Date: Thu, 01 Jan 2026 00:00:00 +0000',
    'Source: pk',
    'Binary: pk pk-dbg',
    'Architecture: amd64',
    'Version: 1',
    'Distribution: bookworm-test-unstable',
    'Urgency: medium',
    'Maintainer: Debyard Tests <tests@debyard.invalid>',
    'Changes:',
    ' pk (1) unstable; urgency=medium',
    ' .',
    '   * Test.',
    'Checksums-Sha1:',
    list('sha1'),
    'Checksums-Sha256:',
    list('sha256'),
    'Files:',
    list('md5', ' misc optional'),
    '',
  ].join('\n');
}

describe('collectResults', () => {
  it('copies the .changes and the files it lists', async () => {
    const build = tempDir();
    writeFileSync(path.join(build, 'pk_1_amd64.deb'), 'deb');
    writeFileSync(path.join(build, 'pk_1_amd64.buildinfo'), 'info');
    writeFileSync(path.join(build, 'pk_1.dsc'), 'source: not a result');
    writeFileSync(
      path.join(build, 'pk_1_amd64.changes'),
      changes([
        ['pk_1_amd64.deb', 'deb'],
        ['pk_1_amd64.buildinfo', 'info'],
      ]),
    );
    const results = path.join(tempDir(), 'results');
    const collected = await collectResults(build, results);
    expect(collected.changes).toBe(path.join(results, 'pk_1_amd64.changes'));
    expect(readdirSync(results).sort()).toEqual([
      'pk_1_amd64.buildinfo',
      'pk_1_amd64.changes',
      'pk_1_amd64.deb',
    ]);
  });

  it('lists every mismatch between the .changes and the build', async () => {
    const build = tempDir();
    writeFileSync(path.join(build, 'pk_1_amd64.deb'), 'DEB');
    writeFileSync(path.join(build, 'pk-doc_1_all.deb'), 'doc');
    writeFileSync(path.join(build, 'pk_1_amd64.buildinfo'), 'info, longer');
    writeFileSync(
      path.join(build, 'pk_1_amd64.changes'),
      changes([
        ['pk_1_amd64.deb', 'deb'],
        ['pk_1_amd64.buildinfo', 'info'],
        ['pk-dbg_1_amd64.deb', 'x'],
      ]),
    );
    const error = await collectResults(build, path.join(tempDir(), 'r')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toBe(
      'the build results do not match pk_1_amd64.changes',
    );
    expect((error as InvalidInputError).problems).toEqual([
      {
        where: 'pk_1_amd64.deb',
        message: `has SHA-256 ${hash('sha256', 'DEB')}, the .changes says ${hash('sha256', 'deb')}`,
      },
      { where: 'pk_1_amd64.buildinfo', message: 'has 12 bytes, the .changes says 4' },
      { where: 'pk-dbg_1_amd64.deb', message: 'is listed in the .changes but was not built' },
      { where: 'pk-doc_1_all.deb', message: 'was built but pk_1_amd64.changes does not list it' },
    ]);
  });

  it('wants exactly one valid .changes', async () => {
    await expect(collectResults(tempDir(), tempDir())).rejects.toThrow(
      'the build left 0 .changes files instead of one',
    );
    const build = tempDir();
    writeFileSync(path.join(build, 'pk_1_amd64.changes'), 'Source: p\n');
    const error = (await collectResults(build, tempDir()).catch(
      (e: unknown) => e,
    )) as InvalidInputError;
    expect(error.message).toBe('pk_1_amd64.changes is not a valid upload');
    expect(error.problems).toContainEqual({
      where: 'pk_1_amd64.changes',
      message: 'missing required field Checksums-Sha256',
    });
  });

  it('reads no host file through a link, and no file that is not regular', async () => {
    const secret = path.join(tempDir(), 'admin-password');
    writeFileSync(secret, 'the-admin-password\n', { mode: 0o600 });
    const build = tempDir();
    symlinkSync(secret, path.join(build, 'pk_1_amd64.changes'));
    const error = await collectResults(build, tempDir()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('pk_1_amd64.changes is a symbolic link, not a file');
    expect(JSON.stringify(error)).not.toContain('the-admin-password');

    // Listed files: a link to the secret, a FIFO (which would block a plain read).
    const other = tempDir();
    writeFileSync(
      path.join(other, 'pk_1_amd64.changes'),
      changes([
        ['pk_1_amd64.deb', 'the-admin-password\n'],
        ['pk_1_amd64.buildinfo', 'info'],
      ]),
    );
    symlinkSync(secret, path.join(other, 'pk_1_amd64.deb'));
    execFileSync('mkfifo', [path.join(other, 'pk_1_amd64.buildinfo')]);
    const results = tempDir();
    const listed = (await collectResults(other, results).catch(
      (e: unknown) => e,
    )) as InvalidInputError;
    expect(listed.problems).toEqual([
      { where: 'pk_1_amd64.deb', message: 'is a symbolic link, not a file' },
      { where: 'pk_1_amd64.buildinfo', message: 'is not a regular file' },
    ]);
    expect(readdirSync(results)).toEqual([]);
  });

  it('refuses a result file over the size limit', async () => {
    const build = tempDir();
    writeFileSync(path.join(build, 'pk_1_amd64.deb'), 'x'.repeat(100));
    writeFileSync(
      path.join(build, 'pk_1_amd64.changes'),
      changes([['pk_1_amd64.deb', 'x'.repeat(100)]]),
    );
    const error = (await collectResults(build, tempDir(), 50).catch(
      (e: unknown) => e,
    )) as InvalidInputError;
    expect(error.problems).toEqual([
      { where: 'pk_1_amd64.deb', message: 'has 100 bytes, more than the 50 allowed' },
    ]);
  });
});
