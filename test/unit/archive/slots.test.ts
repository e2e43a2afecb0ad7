import { describe, expect, it } from 'vitest';
import { mapLimited, Slots } from '../../../src/archive/map-limited.js';

/** Task 1 of three (two slots) finishes; a fourth caller arrives `hops` microtasks later. */
async function scenario(hops: number) {
  const slots = new Slots(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const gates = new Map<number, () => void>();
  const task = (n: number) =>
    slots.run(async () => {
      started.push(n);
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => gates.set(n, resolve));
      running--;
      return n;
    });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const results = [task(1), task(2), task(3)];
  await tick();
  gates.get(1)!();
  let arrival = Promise.resolve();
  for (let i = 0; i < hops; i++) arrival = arrival.then(() => undefined);
  await arrival;
  results.push(task(4));
  await tick();
  for (const n of [2, 3, 4]) {
    gates.get(n)?.();
    await tick();
  }
  gates.get(4)?.();
  return { results: await Promise.all(results), started, most };
}

describe('Slots', () => {
  it('runs at most its size at once, in the order asked, whenever a caller arrives', async () => {
    // Whatever the microtask a caller arrives in, around the moment a slot is handed on.
    for (let hops = 0; hops < 12; hops++) {
      const { results, started, most } = await scenario(hops);
      expect(results).toEqual([1, 2, 3, 4]);
      expect({ hops, started, most }).toEqual({ hops, started: [1, 2, 3, 4], most: 2 });
    }
  });

  it('frees the slot of a task that fails', async () => {
    const slots = new Slots(1);
    await expect(slots.run(() => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
    expect(await slots.run(() => Promise.resolve('next'))).toBe('next');
  });
});

describe('mapLimited', () => {
  it('starts nothing after a failure, and throws it once the items under way have ended', async () => {
    const started: number[] = [];
    const ended: number[] = [];
    const gates = new Map<number, () => void>();
    const run = mapLimited([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('two failed');
      await new Promise<void>((resolve) => gates.set(n, resolve));
      ended.push(n);
    });
    let settled = false;
    const outcome = run.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    void outcome.finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    // 2 failed at once; 1 is still under way, and nothing took 2's place.
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(false);
    gates.get(1)!();
    expect(await outcome).toBe('two failed');
    expect(started).toEqual([1, 2]);
    expect(ended).toEqual([1]);
  });

  it('runs every item at most `limit` at a time when none fails', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await mapLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      done.push(n);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });
});
