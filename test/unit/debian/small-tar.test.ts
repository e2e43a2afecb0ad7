import { describe, expect, it } from 'vitest';
import tar, { type Header } from 'tar-stream';
import { listSmallTar } from '../../../src/debian/small-tar.js';
import { readTar, type TarEntry } from '../../../src/debian/tar-member.js';

type Spec = Partial<Header> & { name: string; content?: string };

/** A tar archive written by tar-stream (ustar headers), padded to 10 KiB like GNU tar. */
async function pack(entries: Spec[], pad = true): Promise<Buffer> {
  const packer = tar.pack();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) =>
      packer.entry(header, content ?? '', (error) => (error ? reject(error) : resolve())),
    );
  }
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer) chunks.push(chunk as Buffer);
  const archive = Buffer.concat(chunks);
  return pad ? Buffer.concat([archive, Buffer.alloc(10240 - (archive.length % 10240))]) : archive;
}

/** What tar-stream (the streaming reader) lists for the same archive. */
async function streamed(archive: Buffer): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const chunks = (async function* () {
    yield archive;
  })();
  await readTar(chunks, 'none', async (entry) => void entries.push(entry), 'test.tar');
  return entries;
}

const TYPICAL: Spec[] = [
  { name: './', type: 'directory', mode: 0o755 },
  { name: './usr/', type: 'directory', mode: 0o755 },
  { name: './usr/bin/tool', mode: 0o755, content: '#!/bin/sh\necho hi\n' },
  { name: './usr/bin/alias', type: 'symlink', linkname: 'tool', mode: 0o777 },
  { name: './usr/bin/same', type: 'link', linkname: './usr/bin/tool', mode: 0o755 },
  { name: './control', mode: 0o644, content: 'Package: x\n' },
];

describe('listSmallTar', () => {
  it('lists what tar-stream lists, with the content of the entries asked for', async () => {
    const archive = await pack(TYPICAL);
    const items = listSmallTar(archive, (e) => e.path === 'control');
    expect(items?.map((i) => i.entry)).toEqual(await streamed(archive));
    expect(items?.find((i) => i.entry.path === 'control')?.content?.toString()).toBe('Package: x\n');
    expect(items?.filter((i) => i.content)).toHaveLength(1);
  });

  it.each([
    ['a pax header', [{ name: './a', pax: { comment: 'x' }, content: 'a' }]],
    ['a name with a ustar prefix', [{ name: `./${'d'.repeat(90)}/${'f'.repeat(60)}`, content: 'a' }]],
    ['a device node', [{ name: './dev/null', type: 'character-device', devmajor: 1, devminor: 3 }]],
  ] as [string, Spec[]][])('leaves %s to tar-stream', async (_what, entries) => {
    const archive = await pack(entries);
    expect(listSmallTar(archive, () => true)).toBeUndefined();
    expect((await streamed(archive)).length).toBeGreaterThan(0);
  });

  it('leaves damaged or unusual archives to tar-stream', async () => {
    const archive = await pack(TYPICAL);
    const badChecksum = Buffer.from(archive);
    badChecksum[1024 + 10] = 0x41;
    expect(listSmallTar(badChecksum, () => true)).toBeUndefined();
    await expect(streamed(badChecksum)).rejects.toThrow(/test\.tar is corrupt/);

    const dataAfterEnd = Buffer.from(archive);
    dataAfterEnd[archive.length - 1] = 1;
    expect(listSmallTar(dataAfterEnd, () => true)).toBeUndefined();

    const unpadded = await pack(TYPICAL, false);
    expect(listSmallTar(unpadded, () => true)).toBeDefined();
    const noEndMarker = unpadded.subarray(0, unpadded.length - 1024);
    expect(listSmallTar(noEndMarker, () => true)).toBeUndefined();
    expect(await streamed(noEndMarker)).toEqual(await streamed(archive));
    expect(listSmallTar(archive.subarray(0, 1024 + 100), () => true)).toBeUndefined(); // cut in an entry
  });
});
