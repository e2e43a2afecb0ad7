import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveLogHub } from '../../../src/builder/live-log.js';
import { wholeCharacters } from '../../../src/builder/log-cap.js';
import { NotFoundError } from '../../../src/shared/errors.js';
import { followLog, tempDir } from '../../fixtures/index.js';

async function readAll(hub: LiveLogHub, id: number, file: string, from = 0): Promise<string> {
  let text = '';
  for await (const piece of hub.read(id, file, { from })) text += piece.text;
  return text;
}

const KIB = 1024;

describe('LiveLogHub', () => {
  it('writes to the file; readers get it from the start, then live, until the end', async () => {
    const hub = new LiveLogHub();
    const file = path.join(tempDir(), 'logs', '7.log');
    const log = hub.open(7, file);
    const early = followLog(hub, 7, file);
    log.write('first line\n');
    log.write('zweite Zeile – ü\n');
    await expect.poll(() => early.text()).toBe('first line\nzweite Zeile – ü\n');
    const late = followLog(hub, 7, file);
    // Without follow: what is there now.
    expect(await readAll(hub, 7, file)).toBe('first line\nzweite Zeile – ü\n');
    const stop = new AbortController();
    let stopped = '';
    const gone = (async () => {
      for await (const piece of hub.read(7, file, { follow: true, signal: stop.signal })) {
        stopped += piece.text;
      }
    })();
    log.write('third\n');
    await expect.poll(() => stopped).toBe('first line\nzweite Zeile – ü\nthird\n');
    stop.abort();
    await gone;
    log.write('fourth\n');
    expect(hub.isLive(7)).toBe(true);
    expect(log.close()).toEqual({ droppedBytes: 0 });
    expect(hub.isLive(7)).toBe(false);
    const all = 'first line\nzweite Zeile – ü\nthird\nfourth\n';
    expect(readFileSync(file, 'utf8')).toBe(all);
    expect(await early.ended).toBe(all);
    expect(await late.ended).toBe(all);
    expect(stopped).toBe('first line\nzweite Zeile – ü\nthird\n');
    // After the build: the file.
    expect(await followLog(hub, 7, file).ended).toBe(all);
    // From a byte offset (a client resuming).
    expect(await readAll(hub, 7, file, Buffer.byteLength('first line\n'))).toBe(
      'zweite Zeile – ü\nthird\nfourth\n',
    );
  });

  it('cuts pieces on whole characters, whatever the piece size', async () => {
    const hub = new LiveLogHub();
    const file = path.join(tempDir(), '3.log');
    const log = hub.open(3, file);
    // 3-byte characters: 64 KiB pieces end inside one of them.
    const text = '€'.repeat(100_000);
    log.write(text);
    log.close();
    const pieces: string[] = [];
    for await (const piece of hub.read(3, file)) pieces.push(piece.text);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(text);
    expect(pieces.join('')).not.toContain('\ufffd');
    expect(wholeCharacters(Buffer.from('a€'), 3)).toBe(1);
    expect(wholeCharacters(Buffer.from('a€'), 4)).toBe(4);
    expect(wholeCharacters(Buffer.from('ab'), 2)).toBe(2);
  });

  it('caps a log: its start and end kept, one marker line for what was dropped', async () => {
    const max = 64 * KIB;
    const hub = new LiveLogHub({ maxBytes: max });
    const file = path.join(tempDir(), '9.log');
    const log = hub.open(9, file);
    const reader = followLog(hub, 9, file);
    let written = 0;
    for (let i = 1; i <= 100_000; i++) {
      const line = `line ${i} of a build that prints far too much\n`;
      log.write(line);
      written += Buffer.byteLength(line);
    }
    log.write('Status: failed\n');
    written += Buffer.byteLength('Status: failed\n');
    expect(log.droppedBytes).toBeGreaterThan(0);
    const { droppedBytes } = log.close();
    const text = readFileSync(file, 'utf8');
    const marker =
      /^\[debyard\] (\d+) bytes of this log were dropped here: it grew past build\.max_log_size \(64 KiB\); its last (\d+) bytes follow\.$/m.exec(
        text,
      );
    expect(marker).not.toBeNull();
    expect(Number(marker![1])).toBe(droppedBytes);
    // The start ends within a line: the marker gets a line of its own.
    const cutLine = text
      .slice(0, marker!.index - 1)
      .split('\n')
      .at(-1)!;
    expect(cutLine).not.toMatch(/^line \d+ of a build that prints far too much$/);
    const markerBytes = Buffer.byteLength(`\n${marker![0]}\n`);
    expect(statSync(file).size).toBe(written - droppedBytes + markerBytes);
    expect(statSync(file).size).toBeLessThanOrEqual(max + markerBytes);
    expect(text.match(/\[debyard\]/g)).toHaveLength(1);
    expect(text.startsWith('line 1 of a build')).toBe(true);
    expect(text.endsWith('line 100000 of a build that prints far too much\nStatus: failed\n')).toBe(
      true,
    );
    // The kept end starts at a line: the line after the marker is whole.
    const after = text.slice(marker!.index + marker![0].length + 1).split('\n')[0]!;
    expect(after).toMatch(/^line \d+ of a build that prints far too much$/);
    expect(Number(marker![2])).toBe(Buffer.byteLength(text.slice(text.indexOf(after))));
    expect(await reader.ended).toBe(text);
  });

  it('keeps a log that fits its cap whole, without a marker', () => {
    const hub = new LiveLogHub({ maxBytes: 64 * KIB });
    const file = path.join(tempDir(), '2.log');
    const log = hub.open(2, file);
    const text = 'x'.repeat(63 * KIB) + '\nend\n';
    log.write(text);
    expect(log.close()).toEqual({ droppedBytes: 0 });
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('says when a build has no log', async () => {
    const hub = new LiveLogHub();
    await expect(readAll(hub, 3, path.join(tempDir(), 'none.log'))).rejects.toThrow(
      new NotFoundError('build 3 has no log (yet)'),
    );
    hub.open(4, path.join(tempDir(), '4.log'));
    expect(() => hub.open(4, path.join(tempDir(), '4.log'))).toThrow(
      'build 4 already has a live log',
    );
  });
});
