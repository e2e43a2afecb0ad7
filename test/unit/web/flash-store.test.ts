import { describe, expect, it } from 'vitest';
import { FlashStore } from '../../../src/web/ui/flash-store.js';

describe('FlashStore', () => {
  it('gives an outcome once, to its session and page only', () => {
    const store = new FlashStore<string>(() => 0);
    store.put('1', '/users', 'added');
    expect(store.take('2', '/users')).toBeUndefined();
    expect(store.take('1', '/tokens')).toBeUndefined();
    expect(store.take('1', '/users')).toBe('added');
    expect(store.take('1', '/users')).toBeUndefined();
  });

  it('forgets outcomes nobody read in time, and the oldest when too many wait', () => {
    let now = 0;
    const store = new FlashStore<string>(() => now, 1000, 2);
    store.put('1', '/a', 'a');
    now = 1000;
    expect(store.take('1', '/a')).toBeUndefined();
    store.put('1', '/a', 'a');
    store.put('1', '/b', 'b');
    store.put('1', '/c', 'c');
    expect([store.take('1', '/a'), store.take('1', '/b'), store.take('1', '/c')]).toEqual([
      undefined,
      'b',
      'c',
    ]);
  });
});
