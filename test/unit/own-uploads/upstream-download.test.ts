import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../../../src/exec/command.js';
import { judgeDownload } from '../../../src/own-uploads/upstream-download.js';
import { tempDir } from '../../fixtures/index.js';

const result = (exitCode: number | null, stdout = '', stderr = ''): CommandResult => ({
  command: 'sh',
  args: [],
  exitCode,
  signal: null,
  stdout,
  stderr,
  timedOut: false,
  durationMs: 1,
});

/** A dl folder holding the given files (name: bytes). */
function dl(files: Record<string, number>): string {
  const dir = path.join(tempDir(), 'dl');
  mkdirSync(dir);
  for (const [name, size] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), Buffer.alloc(size));
  }
  return dir;
}

const input = (dir: string, refused: string[] = []) => ({
  dl: dir,
  source: 'hello',
  upstream: '2.0',
  prefixes: ['http://127.0.0.1:9/releases/'],
  maxBytes: 1000,
  refused,
});

describe("judging uscan's download", () => {
  it('takes the one upstream tarball of the version, with its signature if uscan got one', async () => {
    const dir = dl({ 'hello_2.0.orig.tar.xz': 10, 'hello-2.0.tar.xz': 10 });
    expect(await judgeDownload(result(0), input(dir))).toEqual({
      name: 'hello_2.0.orig.tar.xz',
      signature: null,
    });
    writeFileSync(path.join(dir, 'hello_2.0.orig.tar.xz.asc'), 'sig');
    expect(await judgeDownload(result(0), input(dir))).toEqual({
      name: 'hello_2.0.orig.tar.xz',
      signature: 'hello_2.0.orig.tar.xz.asc',
    });
  });

  it('names the refused URL before anything else when uscan failed', async () => {
    const refused = ['GET http://evil.example.org/hello-2.0.tar.gz'];
    await expect(judgeDownload(result(1), input(dl({}), refused))).rejects.toThrow(
      "uscan could not download the upstream tarball: debyard refused GET http://evil.example.org/hello-2.0.tar.gz: not below the git source's orig URL prefixes (http://127.0.0.1:9/releases/)",
    );
  });

  it('names the refused URL when uscan gave up quietly, downloading nothing', async () => {
    const refused = ['CONNECT evil.example.org:443'];
    await expect(judgeDownload(result(0), input(dl({}), refused))).rejects.toThrow(
      /debyard refused CONNECT evil\.example\.org:443: not below/,
    );
    const dir = dl({ 'hello_2.0.orig.tar.gz': 5 });
    expect((await judgeDownload(result(0), input(dir, refused))).name).toBe(
      'hello_2.0.orig.tar.gz',
    );
  });

  it('refuses a tarball at the size cap, or uscan killed by the file size limit', async () => {
    await expect(
      judgeDownload(result(0), input(dl({ 'hello_2.0.orig.tar.gz': 1000 }))),
    ).rejects.toThrow(
      /download hello_2\.0\.orig\.tar\.gz is larger than the cap of 1000 bytes: not taken/,
    );
    await expect(judgeDownload(result(153), input(dl({})))).rejects.toThrow(
      /larger than the cap of 1000 bytes/,
    );
  });

  it("says uscan failed with its output's last lines", async () => {
    await expect(
      judgeDownload(
        result(2, 'uscan info: ...', 'uscan die: OpenPGP signature did not verify.'),
        input(dl({})),
      ),
    ).rejects.toThrow(
      /uscan exited with status 2 downloading upstream version 2\.0:\n.*\n.*did not verify/,
    );
  });

  it('says when nothing (or no regular file) was downloaded', async () => {
    await expect(judgeDownload(result(0, 'no matching files'), input(dl({})))).rejects.toThrow(
      /uscan downloaded no upstream tarball hello_2\.0\.orig\.tar\.\* for version 2\.0 \(it left nothing\):\nno matching files/,
    );
    const dir = dl({ 'other_2.0.orig.tar.gz': 5 });
    symlinkSync('/etc/passwd', path.join(dir, 'hello_2.0.orig.tar.gz'));
    await expect(judgeDownload(result(0), input(dir))).rejects.toThrow(
      /no upstream tarball .* \(it left other_2\.0\.orig\.tar\.gz, hello_2\.0\.orig\.tar\.gz\)|\(it left hello_2\.0\.orig\.tar\.gz, other_2\.0\.orig\.tar\.gz\)/,
    );
  });
});
