import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveLogHub } from '../../../src/build/live-log.js';
import { NotFoundError } from '../../../src/shared/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

function listener() {
  const got = { text: '', ended: false };
  return { got, listener: { data: (t: string) => (got.text += t), end: () => (got.ended = true) } };
}

describe('LiveLogHub', () => {
  it('streams to the file and to followers, replaying the start to late joiners', () => {
    const hub = new LiveLogHub();
    const file = path.join(tempDir(), 'logs', '7.log');
    const log = hub.open(7, file);
    const early = listener();
    hub.follow(7, file, early.listener);
    log.write('first line\n');
    log.write('zweite Zeile – ü\n');
    const late = listener();
    hub.follow(7, file, late.listener);
    expect(late.got.text).toBe('first line\nzweite Zeile – ü\n');
    log.write('third\n');
    const gone = listener();
    const stop = hub.follow(7, file, gone.listener);
    stop();
    log.write('fourth\n');
    expect(hub.isLive(7)).toBe(true);
    log.close();
    expect(hub.isLive(7)).toBe(false);
    const all = 'first line\nzweite Zeile – ü\nthird\nfourth\n';
    expect(readFileSync(file, 'utf8')).toBe(all);
    expect(early.got).toEqual({ text: all, ended: true });
    expect(late.got).toEqual({ text: all, ended: true });
    expect(gone.got).toEqual({ text: 'first line\nzweite Zeile – ü\nthird\n', ended: false });
    // After the build: the file, then the end.
    const after = listener();
    hub.follow(7, file, after.listener);
    expect(after.got).toEqual({ text: all, ended: true });
  });

  it('drops a follower that throws without disturbing the build', () => {
    const hub = new LiveLogHub();
    const log = hub.open(1, path.join(tempDir(), '1.log'));
    let calls = 0;
    hub.follow(1, '', {
      data: () => {
        calls++;
        throw new Error('client went away');
      },
      end: () => {},
    });
    log.write('a');
    log.write('b');
    log.close();
    expect(calls).toBe(1);
  });

  it('says when a build has no log', () => {
    const hub = new LiveLogHub();
    expect(() => hub.follow(3, path.join(tempDir(), 'none.log'), listener().listener)).toThrow(
      new NotFoundError('build 3 has no log (yet)'),
    );
    hub.open(4, path.join(tempDir(), '4.log'));
    expect(() => hub.open(4, path.join(tempDir(), '4.log'))).toThrow(
      'build 4 already has a live log',
    );
  });
});
