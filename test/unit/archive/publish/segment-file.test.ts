import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPlaces, SegmentFile } from '../../../../src/archive/publish/segment-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'debyard-segment-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Everything readPlaces gives from the `first` on, copied (its views are reused). */
function readCopies(file: SegmentFile, keys: readonly string[], first = 0): Buffer[] {
  const out: Buffer[] = [];
  for (const data of readPlaces(file.locate(keys), first)) out.push(Buffer.from(data));
  return out;
}

/** Buffers by digest (vitest compares big buffers byte by byte, slowly). */
const digests = (buffers: readonly Buffer[]) =>
  buffers.map((b) => `${b.length}:${createHash('sha256').update(b).digest('hex')}`);

describe('SegmentFile', () => {
  it('gives back the texts put, in any order, through readers that reuse their buffers', async () => {
    const file = new SegmentFile(dir);
    // Small ones side by side (read together), then ones bigger than a read (1 MiB).
    const texts = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) texts.set(`s${i}`, randomBytes(1 + ((i * 7919) % 200_000)));
    texts.set('big', randomBytes(3 << 20));
    texts.set('after', randomBytes(5000));
    for (const [key, data] of texts) file.put(key, data);
    expect(file.bytes).toBe([...texts.values()].reduce((n, b) => n + b.length, 0));
    // The file is unlinked as soon as it is made: nothing in the folder.
    expect(readdirSync(dir)).toEqual([]);

    const keys = [...texts.keys()];
    const expected = (ks: readonly string[]) => digests(ks.map((k) => texts.get(k)!));
    expect(digests(readCopies(file, keys))).toEqual(expected(keys));
    const shuffled = [...keys].reverse();
    expect(digests(readCopies(file, shuffled))).toEqual(expected(shuffled));
    expect(digests(readCopies(file, keys, 30))).toEqual(expected(keys.slice(30)));
    expect(digests(await file.readAll(shuffled))).toEqual(expected(shuffled));
    expect((await file.get('big')).equals(texts.get('big')!)).toBe(true);
    expect(file.sizeOf('s3')).toBe(texts.get('s3')!.length);

    // Readers taking turns (as hashes of several files do) do not disturb each other: each
    // view is taken while the other reader has read on past it.
    const forward = readPlaces(file.locate(keys), 0);
    const backward = readPlaces(file.locate(shuffled), 0);
    const turns: [Buffer[], Buffer[]] = [[], []];
    for (let i = 0; i < keys.length; i++) {
      const a = forward.next().value as Buffer;
      const b = backward.next().value as Buffer;
      turns[0].push(Buffer.from(a));
      turns[1].push(Buffer.from(b));
    }
    expect(digests(turns[0])).toEqual(expected(keys));
    expect(digests(turns[1])).toEqual(expected(shuffled));
  });

  it('keeps the first text put under a key', async () => {
    const file = new SegmentFile(dir);
    file.put('k', Buffer.from('first'));
    file.put('k', Buffer.from('second'));
    expect((await file.get('k')).toString()).toBe('first');
    expect(file.bytes).toBe(5);
  });

  it('forgets everything when cleared, and says which text it does not have', async () => {
    const file = new SegmentFile(dir);
    file.put('a', Buffer.from('alpha'));
    file.clear();
    expect(file.has('a')).toBe(false);
    expect(file.bytes).toBe(0);
    expect(() => file.sizeOf('a')).toThrow(
      'the text of index segment a is not in the segment file',
    );
    expect(() => file.locate(['a'])).toThrow(
      'the text of index segment a is not in the segment file',
    );
    file.put('b', Buffer.from('beta'));
    expect((await file.readAll(['b']))[0]!.toString()).toBe('beta');
  });
});
