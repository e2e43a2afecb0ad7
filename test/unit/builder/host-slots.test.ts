import { describe, expect, it } from 'vitest';
import { HostSlots } from '../../../src/builder/host-slots.js';
import { LocalHost } from '../../../src/builder/local-host.js';
import { selectBuilders } from '../../../src/scheduler/selection.js';

/** A host with `parallelism` slots, its scheduler's own builds counted as the scheduler does. */
function host(parallelism: number) {
  const own = new Set<number>();
  const slots = new HostSlots(parallelism, () => own.size);
  const local = new LocalHost({
    builder: { build: () => Promise.reject(new Error('not here')) },
    chroots: {
      list: () => [{ codename: 'bookworm', architecture: 'amd64', state: 'ready', generation: 1 }],
    },
    slots,
    native: ['amd64'],
  });
  /** One dispatch of the scheduler: what selection starts is running from then on. */
  const dispatch = (queue: number[]) => {
    const { starts, waiting } = selectBuilders(
      queue.map((id) => ({ id, codename: 'bookworm', architecture: 'amd64' })),
      [local],
      () => own.size,
    );
    for (const { build } of starts) own.add(build.id);
    return { started: starts.map((s) => s.build.id), waiting };
  };
  return { own, slots, local, dispatch };
}

describe('the build slots of a host, shared by its own builds and peer jobs', () => {
  it('gives a peer job no slot while its own builds use them all, and says so', () => {
    const { slots, dispatch, own } = host(2);
    expect(dispatch([1, 2, 3]).started).toEqual([1, 2]);
    expect(slots.takeForPeer()).toBeNull();
    expect(slots.describe()).toBe('2 of 2 builds running');
    own.delete(1);
    const release = slots.takeForPeer();
    expect(release).not.toBeNull();
    expect(slots.describe()).toBe('2 of 2 builds running');
    release!();
    release!(); // a second call gives nothing back twice
    expect(slots.inUse()).toBe(1);
  });

  it('starts no own build while peer jobs hold the slots, and names the load in the reason', () => {
    const { slots, dispatch, local } = host(2);
    const first = slots.takeForPeer()!;
    slots.takeForPeer()!;
    const held = dispatch([1]);
    expect(held.started).toEqual([]);
    expect(held.waiting.get(1)).toBe(
      'waiting: every builder for bookworm/amd64 is busy (local 2/2)',
    );
    expect([local.capacity(), local.othersRunning()]).toEqual([2, 2]);
    first();
    expect(dispatch([1, 2]).started).toEqual([1]);
    expect(slots.takeForPeer()).toBeNull();
  });

  it('never runs more than build.parallelism builds in all, however the two interleave', () => {
    // A fixed pseudo-random walk of dispatches, peer jobs and ends, checked at every step.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const parallelism of [1, 2, 3]) {
      const { own, slots, dispatch } = host(parallelism);
      const peers: (() => void)[] = [];
      let next = 1;
      let highest = 0;
      for (let step = 0; step < 2000; step++) {
        const r = random();
        if (r < 0.3) dispatch([next++, next++]);
        else if (r < 0.6) {
          const release = slots.takeForPeer();
          if (release) peers.push(release);
        } else if (r < 0.8 && own.size > 0) own.delete([...own][0]!);
        else if (peers.length > 0) peers.shift()!();
        const total = own.size + slots.peerRunning();
        expect(total).toBeLessThanOrEqual(parallelism);
        highest = Math.max(highest, total);
      }
      expect(highest).toBe(parallelism); // the walk did fill the host
    }
  });
});
