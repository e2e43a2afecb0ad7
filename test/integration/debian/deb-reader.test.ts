import { createReadStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSingleStanza } from '../../../src/debian/deb822.js';
import { readDebInMemory } from '../../../src/debian/deb-in-memory.js';
import { readDeb } from '../../../src/debian/deb-reader.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { aptDownload, buildDeb, persistentTempDir, run, tempDir } from '../../fixtures/index.js';

/** What dpkg-deb says about a package, to compare ours with. */
function dpkgView(deb: string) {
  const md5sums = new Map<string, string>();
  const sums = run('sh', ['-c', `dpkg-deb -I "${deb}" md5sums 2>/dev/null || true`]);
  for (const line of sums.split('\n').filter(Boolean)) {
    const [md5, file] = line.split(/ +/, 2) as [string, string];
    md5sums.set(file, md5);
  }
  const paths = run('sh', ['-c', `dpkg-deb --fsys-tarfile "${deb}" | tar -t`])
    .split('\n')
    .map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''))
    .filter(Boolean);
  return {
    controlText: run('dpkg-deb', ['-I', deb, 'control']),
    fields: parseSingleStanza(run('dpkg-deb', ['-f', deb])).fields.map((f) => [f.name, f.value]),
    md5sums,
    paths,
    size: readFileSync(deb).length,
    sha256: run('sha256sum', [deb]).split(' ')[0],
    md5: run('md5sum', [deb]).split(' ')[0],
  };
}

/** Reads the package as a stream and from a buffer (the in-memory fast path): both as dpkg-deb. */
async function expectSameAsDpkg(deb: string): Promise<void> {
  const dpkg = dpkgView(deb);
  const options = { files: true, hashes: true, name: path.basename(deb) };
  const streamed = await readDeb(createReadStream(deb), options);
  const buffered = await readDeb(readFileSync(deb), options);
  for (const info of [streamed, buffered]) {
    expect(info.controlText).toBe(dpkg.controlText);
    expect(info.control.fields.map((f) => [f.name, f.value])).toEqual(dpkg.fields);
    expect(info.md5sums).toEqual(dpkg.md5sums);
    expect(info.files!.map((f) => f.path)).toEqual(dpkg.paths);
    expect(info.hashes).toMatchObject({ size: dpkg.size, sha256: dpkg.sha256, md5: dpkg.md5 });
  }
  expect(buffered.files).toEqual(streamed.files);
  expect(buffered.compression).toEqual(streamed.compression);
}

describe('.deb reader against dpkg-deb', () => {
  let dir: string;
  beforeAll(() => {
    dir = persistentTempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['xz', 'gzip', 'zstd', 'none'])('reads what dpkg-deb -Z%s builds', async (compression) => {
    const deb = buildDeb(dir, {
      name: `pkg-${compression}`,
      version: '1:2.0~rc1-1',
      architecture: 'amd64',
      compression,
      fields: { Depends: 'libc6 (>= 2.34),\n libfoo1', 'X-Custom': 'yes' },
      files: {
        'usr/bin/tool': '#!/bin/sh\necho hi\n',
        'usr/share/doc/pkg/README': 'read me\n',
        [`usr/share/${'long-name-'.repeat(12)}/file`]: 'long path (GNU tar long name)\n',
      },
      symlinks: { 'usr/bin/tool-alias': 'tool' },
    });
    const info = await readDeb(createReadStream(deb), { files: true });
    expect(info.compression).toEqual({ control: compression, data: compression });
    expect(info.files!.find((f) => f.path === 'usr/bin/tool-alias')).toMatchObject({ type: 'symlink', linkTarget: 'tool' });
    expect(info.files!.find((f) => f.path === 'usr/bin/tool')).toMatchObject({ type: 'file', mode: 0o755 });
    await expectSameAsDpkg(deb);
  });

  it.each(['xz', 'gzip', 'zstd', 'none'])('reads a small -Z%s package in memory, without streams', (compression) => {
    const deb = buildDeb(dir, {
      name: `small-${compression}`,
      version: '1.0-1',
      compression,
      files: { 'usr/share/doc/small/README': 'small\n', 'usr/bin/small': '#!/bin/sh\n' },
      symlinks: { 'usr/bin/small-alias': 'small' },
    });
    const members = readDebInMemory(readFileSync(deb), true);
    expect(members?.compression).toEqual({ control: compression, data: compression });
    expect(members?.controlFiles.get('control')?.toString()).toBe(run('dpkg-deb', ['-I', deb, 'control']));
    expect(members?.files?.find((f) => f.path === 'usr/bin/small-alias')).toMatchObject({ type: 'symlink', linkTarget: 'small' });
    expect(members?.files?.find((f) => f.path === 'usr/bin/small')).toMatchObject({ type: 'file', mode: 0o755, size: 10 });
  });

  it('leaves what it does not read cleanly in memory to the streaming reader', async () => {
    const longName = buildDeb(dir, { name: 'long', version: '1', compression: 'xz', files: { [`usr/share/${'x'.repeat(120)}/file`]: 'long\n' } });
    expect(readDebInMemory(readFileSync(longName), true)).toBeUndefined();
    expect(readDebInMemory(readFileSync(longName), false)).toBeDefined();
    const info = await readDeb(readFileSync(longName), { files: true });
    expect(info.files!.map((f) => f.path)).toContain(`usr/share/${'x'.repeat(120)}/file`);
    const corrupt = readFileSync(buildDeb(dir, { name: 'corrupt', version: '1', compression: 'gzip' }));
    const at = corrupt.indexOf('control.tar.gz') + 60 + 20;
    corrupt.fill(0x41, at, at + 40);
    expect(readDebInMemory(corrupt, false)).toBeUndefined();
    await expect(readDeb(corrupt, { name: 'x.deb' })).rejects.toThrow(/^x\.deb: control\.tar\.gz is corrupt: /);
  });

  it('reads real Debian packages fetched with apt-get download', { timeout: 120_000 }, async () => {
    const debs = aptDownload(tempDir(), ['hello', 'base-files', 'zlib1g-dev', 'tzdata']);
    expect(debs).toHaveLength(4);
    for (const deb of debs) await expectSameAsDpkg(deb);
  });

  it('stops after control.tar when neither files nor hashes are asked for', async () => {
    const deb = buildDeb(dir, { name: 'early', version: '1', compression: 'none', files: { 'big/file': 'x'.repeat(4_000_000) } });
    let read = 0;
    const stream = createReadStream(deb, { highWaterMark: 64 * 1024 });
    stream.on('data', (chunk) => (read += chunk.length));
    const info = await readDeb(stream);
    expect(info.control.get('Package')).toBe('early');
    expect(read).toBeLessThan(1_000_000);
  });

  it('streams a big data.tar with bounded memory', { timeout: 120_000 }, async () => {
    const root = path.join(dir, 'big');
    run('sh', ['-c', `mkdir -p "${root}/DEBIAN" "${root}/srv" && head -c 400M /dev/zero > "${root}/srv/zeros"`]);
    writeFileSync(path.join(root, 'DEBIAN', 'control'), 'Package: big\nVersion: 1\nArchitecture: all\nMaintainer: T <t@e.org>\nDescription: big\n');
    const deb = path.join(dir, 'big_1_all.deb');
    run('dpkg-deb', ['-Zzstd', '--root-owner-group', '--build', root, deb]);
    rmSync(root, { recursive: true });
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const info = await readDeb(createReadStream(deb), { files: true, hashes: true });
    clearInterval(timer);
    expect(info.files!.find((f) => f.path === 'srv/zeros')!.size).toBe(400 * 1024 * 1024);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  });

  it.each([
    ['not an ar archive', Buffer.from('hello world, not a package'), 'x.deb: not a Debian binary package (no ar archive signature)'],
    ['a wrong first member', Buffer.from('!<arch>\ncontrol.tar     0           0     0     100644  0         `\n'), 'x.deb: first ar member is not debian-binary'],
    ['a truncated file', null, 'x.deb: missing data.tar member'],
  ])('refuses %s with a clear error', async (_what, content, message) => {
    let data = content;
    if (!data) {
      const deb = readFileSync(buildDeb(tempDir(), { name: 'cut', version: '1', compression: 'gzip' }));
      const dataAt = deb.indexOf('data.tar');
      data = deb.subarray(0, dataAt);
    }
    await expect(readDeb([data], { name: 'x.deb' })).rejects.toThrow(new InvalidInputError(message));
    await expect(readDeb(data, { name: 'x.deb' })).rejects.toThrow(new InvalidInputError(message));
  });

  it('refuses a corrupt control.tar', async () => {
    const deb = readFileSync(buildDeb(tempDir(), { name: 'bad', version: '1', compression: 'xz' }));
    const at = deb.indexOf('control.tar.xz') + 60 + 20;
    deb.fill(0x41, at, at + 40);
    await expect(readDeb([deb], { name: 'x.deb' })).rejects.toThrow(/^x\.deb: control\.tar\.xz is corrupt: /);
    await expect(readDeb(deb, { name: 'x.deb' })).rejects.toThrow(/^x\.deb: control\.tar\.xz is corrupt: /);
  });
});
