import { setImmediate as nextTurn } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectHeap } from '../../../src/shared/full-gc.js';

describe('collectHeap', () => {
  it('collects what nothing refers to, and leaves gc hidden again', async () => {
    let held: object | null = { big: new Array(1000).fill('x') };
    const ref = new WeakRef(held);
    held = null;
    // A WeakRef keeps its target until the turn that made it has ended.
    await nextTurn();
    expect(held).toBeNull();
    collectHeap();
    expect(ref.deref()).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
