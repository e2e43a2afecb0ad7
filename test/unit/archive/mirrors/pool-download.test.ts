import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadPool } from '../../../../src/archive/mirrors/pool-download.js';
import { newestSources } from '../../../../src/archive/mirrors/source-plan.js';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A remote of one file, counting its requests. */
function remote(body: string) {
  const requests: string[] = [];
  const fetcher = (async (url: string) => {
    requests.push(url);
    return new Response(body);
  }) as unknown as typeof fetch;
  return { fetcher, requests };
}

describe('downloadPool', () => {
  it('gives every digest, and trusts its record of a held file only while it is unchanged', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'pool-download-'));
    dirs.push(cacheDir);
    const body = 'a package\n';
    const file = { poolPath: 'pool/main/a/a_1_all.deb', size: body.length, sha256: sha256(body) };
    const { fetcher, requests } = remote(body);
    const input = { url: 'http://x.invalid/', cacheDir, files: [file], fetch: fetcher };
    const first = await downloadPool(input);
    expect(first.fetched).toBe(1);
    expect(first.digests.get(file.poolPath)).toMatchObject({
      size: body.length,
      sha256: file.sha256,
      md5: createHash('md5').update(body).digest('hex'),
    });
    expect((await downloadPool(input)).fetched).toBe(0);
    // Held and recorded: not read again. Shown by a change the record cannot see (same
    // size, inode and time): the file is taken as recorded.
    const local = path.join(cacheDir, file.poolPath);
    const { mtime } = statSync(local);
    writeFileSync(local, 'b package\n');
    utimesSync(local, mtime, mtime);
    expect((await downloadPool(input)).fetched).toBe(0);
    expect(requests).toHaveLength(1);
    // Its time changed: the record no longer vouches; hashed again, fetched again.
    utimesSync(local, mtime, new Date(mtime.getTime() + 5000));
    expect((await downloadPool(input)).fetched).toBe(1);
    expect(requests).toHaveLength(2);
    expect(readFileSync(local, 'utf8')).toBe(body);
  });

  it('refuses a file whose SHA256 is not the one its index states', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'pool-download-'));
    dirs.push(cacheDir);
    mkdirSync(cacheDir, { recursive: true });
    const file = { poolPath: 'pool/main/a/a_1.dsc', size: 5, sha256: sha256('right') };
    await expect(
      downloadPool({
        url: 'http://x.invalid/',
        cacheDir,
        files: [file],
        fetch: remote('wrong').fetcher,
      }),
    ).rejects.toThrow('pool/main/a/a_1.dsc does not match the SHA256 its index states');
  });
});

describe('newestSources', () => {
  const where = { suite: 's', component: 'main', index: 'dists/s/main/source/Sources' };
  const stanza = (version: string, dsc = `app_${version}.dsc`) =>
    `Package: app\nVersion: ${version}\nDirectory: pool/main/a/app\nChecksums-Sha256:\n ${'a'.repeat(64)} 10 ${dsc}\n ${'b'.repeat(64)} 20 app_${version}.tar.xz\n`;

  it('takes the newest version of each source with its files under its Directory', () => {
    const [app] = newestSources(`${stanza('1.0')}\n${stanza('1.2')}\n${stanza('1.1')}`, where);
    expect(app).toMatchObject({
      source: 'app',
      version: '1.2',
      dsc: 'pool/main/a/app/app_1.2.dsc',
      files: [
        { poolPath: 'pool/main/a/app/app_1.2.dsc', size: 10, sha256: 'a'.repeat(64) },
        { poolPath: 'pool/main/a/app/app_1.2.tar.xz', size: 20, sha256: 'b'.repeat(64) },
      ],
    });
  });

  it('refuses a source without a .dsc and a path out of the tree', () => {
    expect(() => newestSources(stanza('1.0', 'app_1.0.txt'), where)).toThrow(
      'dists/s/main/source/Sources: app 1.0 lists no .dsc',
    );
    expect(() => newestSources(stanza('1.0', '../../etc/passwd'), where)).toThrow(
      'a path out of the tree',
    );
  });
});
