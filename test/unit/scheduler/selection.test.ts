import { describe, expect, it } from 'vitest';
import type { Builder } from '../../../src/builder/builder.js';
import { selectBuilders } from '../../../src/scheduler/selection.js';

function builder(
  name: string,
  capacity: number,
  chroots: string[],
  available = true,
  native?: string[],
): Builder {
  return {
    name,
    ...(native ? { nativeArchitectures: () => native } : {}),
    capacity: () => capacity,
    available: () => available,
    readyChroots: () =>
      chroots.map((c) => ({ codename: c.split('/')[0]!, architecture: c.split('/')[1]! })),
    build: () => Promise.reject(new Error('not here')),
  };
}

const build = (id: number, key = 'bookworm/amd64') => ({
  id,
  codename: key.split('/')[0]!,
  architecture: key.split('/')[1]!,
});

const names = (selection: ReturnType<typeof selectBuilders>) =>
  selection.starts.map((s) => `${s.build.id}@${s.builder.name}`);

describe('builder selection', () => {
  it('fills free slots in queue order and says why the rest waits', () => {
    const local = builder('local', 2, ['bookworm/amd64']);
    const selection = selectBuilders([build(1), build(2), build(3)], [local], () => 0);
    expect(names(selection)).toEqual(['1@local', '2@local']);
    expect([...selection.waiting]).toEqual([
      [3, 'waiting: every builder for bookworm/amd64 is busy (local 2/2)'],
    ]);
  });

  it('takes the least loaded builder with a ready chroot, counting what runs already', () => {
    const local = builder('local', 2, ['bookworm/amd64']);
    const peer = builder('peer1', 4, ['bookworm/amd64', 'bookworm/arm64']);
    const running = new Map([
      ['local', 1],
      ['peer1', 1],
    ]);
    // local 1/2, peer1 1/4: peer1 (0.25 < 0.5); then both 0.5, peer1 has more free slots;
    // then local (0.5 < 0.75); then only peer1 has a slot.
    const selection = selectBuilders(
      [build(1), build(2), build(3), build(4), build(5, 'bookworm/arm64')],
      [local, peer],
      (name) => running.get(name)!,
    );
    expect(names(selection)).toEqual(['1@peer1', '2@peer1', '3@local', '4@peer1']);
    expect(selection.waiting.get(5)).toBe(
      'waiting: every builder for bookworm/arm64 is busy (peer1 4/4)',
    );
  });

  it('does not let a build that cannot start hold up later ones', () => {
    const local = builder('local', 1, ['bookworm/amd64']);
    const selection = selectBuilders([build(1, 'trixie/arm64'), build(2)], [local], () => 0);
    expect(names(selection)).toEqual(['2@local']);
    expect(selection.waiting.get(1)).toBe('waiting: no ready chroot for trixie/arm64');
  });

  it('skips builders that are down, naming them', () => {
    const peer = builder('peer1', 2, ['bookworm/arm64'], false);
    const selection = selectBuilders([build(1, 'bookworm/arm64')], [peer], () => 0);
    expect(selection.starts).toEqual([]);
    expect(selection.waiting.get(1)).toBe(
      'waiting: the builders with a ready chroot for bookworm/arm64 are down (peer1)',
    );
  });

  it('prefers the builder with more free slots when loads are equal, then the name', () => {
    const a = builder('a', 2, ['bookworm/amd64']);
    const b = builder('b', 4, ['bookworm/amd64']);
    const c = builder('c', 4, ['bookworm/amd64']);
    expect(names(selectBuilders([build(1)], [a, c, b], () => 0))).toEqual(['1@b']);
  });

  it('counts a builder without capacity as full', () => {
    const none = builder('none', 0, ['bookworm/amd64']);
    const selection = selectBuilders([build(1)], [none], () => 0);
    expect(selection.waiting.get(1)).toBe(
      'waiting: every builder for bookworm/amd64 is busy (none 0/0)',
    );
  });

  describe('native builders before emulation', () => {
    const local = () => builder('local', 2, ['bookworm/amd64', 'bookworm/arm64'], true, ['amd64']);
    const arm = (up = true, capacity = 1) =>
      builder('arm', capacity, ['bookworm/arm64'], up, ['arm64']);

    it('gives an arm64 build to the native arm64 peer, not to the emulating host', () => {
      const selection = selectBuilders([build(1, 'bookworm/arm64')], [local(), arm()], () => 0);
      expect(names(selection)).toEqual(['1@arm']);
      expect(selection.starts[0]!.emulated).toBe(false);
    });

    it('waits for a busy native builder rather than emulating', () => {
      const selection = selectBuilders(
        [build(1, 'bookworm/arm64'), build(2, 'bookworm/arm64'), build(3)],
        [local(), arm()],
        () => 0,
      );
      expect(names(selection)).toEqual(['1@arm', '3@local']);
      expect(selection.waiting.get(2)).toBe(
        'waiting: every native builder for bookworm/arm64 is busy (arm 1/1)',
      );
    });

    it('emulates when no native builder is up, and says so', () => {
      const selection = selectBuilders(
        [build(1, 'bookworm/arm64')],
        [local(), arm(false)],
        () => 0,
      );
      expect(names(selection)).toEqual(['1@local']);
      expect(selection.starts[0]!.emulated).toBe(true);
    });

    it('counts a builder that does not name its native architectures as native', () => {
      const old = builder('old', 1, ['bookworm/arm64']);
      const selection = selectBuilders([build(1, 'bookworm/arm64')], [local(), old], () => 0);
      expect(names(selection)).toEqual(['1@old']);
      expect(selection.starts[0]!.emulated).toBe(false);
    });
  });
});
