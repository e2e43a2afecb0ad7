import { describe, expect, it } from 'vitest';
import {
  restoreChain,
  retireChain,
  shiftChain,
} from '../../../src/archive/changes/rollback-chain.js';
import { KeyedLock } from '../../../src/archive/keyed-lock.js';
import { nextReleaseDate } from '../../../src/archive/publish/release-fields.js';

describe('rollback shift', () => {
  it('moves the current version into rollback0 and drops the oldest', () => {
    expect(shiftChain([1, 2, 3], 9)).toEqual({ next: [9, 1, 2], dropped: [3] });
    expect(shiftChain([undefined, undefined], 9)).toEqual({ next: [9, undefined], dropped: [] });
    expect(shiftChain([1], 9)).toEqual({ next: [9], dropped: [1] });
  });

  it('closes gaps instead of losing versions', () => {
    expect(shiftChain([1, undefined, 3, undefined], 9)).toEqual({
      next: [9, 1, 3, undefined],
      dropped: [],
    });
  });
});

describe('restore and retire', () => {
  it('restores a rollback into the suite, the current version first in the rollbacks', () => {
    expect(restoreChain([1, 2, 3, 4], 3)).toEqual({ next: [3, 1, 2, 4], dropped: [] });
    expect(restoreChain([undefined, 2, undefined], 2)).toEqual({
      next: [2, undefined, undefined],
      dropped: [],
    });
  });

  it('retires the suite version into rollback0, dropping the oldest when full', () => {
    expect(retireChain([1, 2, undefined])).toEqual({ next: [undefined, 1, 2], dropped: [] });
    expect(retireChain([1, 2, 3])).toEqual({ next: [undefined, 1, 2], dropped: [3] });
  });
});

describe('KeyedLock', () => {
  it('serializes holders of a key and lets other keys run in parallel', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const hold = (key: string, name: string, ms: number) =>
      lock.with([key], async () => {
        log.push(`+${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`-${name}`);
      });
    await Promise.all([hold('a', 'a1', 20), hold('a', 'a2', 1), hold('b', 'b1', 5)]);
    expect(log.indexOf('-a1')).toBeLessThan(log.indexOf('+a2'));
    expect(log.indexOf('+b1')).toBeLessThan(log.indexOf('-a1'));
    expect(lock.busy('a')).toBe(false);
  });

  it('gives up waiting when aborted, without breaking the queue', async () => {
    const lock = new KeyedLock();
    let release!: () => void;
    const first = lock.with(['k'], () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const second = lock.with(['k'], () => 'never', controller.signal);
    controller.abort(new Error('stop'));
    await expect(second).rejects.toThrow(/gave up waiting for k/);
    release();
    await first;
    await expect(lock.with(['k'], () => 'third')).resolves.toBe('third');
  });
});

describe('Release Date', () => {
  it('is strictly increasing even when the clock is not', () => {
    const now = new Date('2026-01-01T10:00:00.500Z');
    expect(nextReleaseDate(now, null).toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(nextReleaseDate(now, 'Thu, 01 Jan 2026 10:00:00 UTC').toISOString()).toBe(
      '2026-01-01T10:00:01.000Z',
    );
    expect(nextReleaseDate(now, 'Thu, 01 Jan 2026 11:00:00 UTC').toISOString()).toBe(
      '2026-01-01T11:00:01.000Z',
    );
  });
});
