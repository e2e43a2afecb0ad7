import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BuildView } from '../../../src/scheduler/build-records.js';
import type { EventInput, StoredEvent } from '../../../src/events/event.js';
import { DepWaits } from '../../../src/scheduler/dep-waits.js';
import { silentLogger } from '../../../src/shared/logger.js';

const waiting = (id: number, distribution: string): BuildView =>
  ({
    id,
    state: 'DEPWAIT',
    distribution,
    repository: distribution.split('-')[1]!,
  }) as BuildView;

function setup(retryMinutes = 0) {
  const builds = [
    waiting(1, 'bookworm-test-unstable'),
    waiting(2, 'bookworm-test-hotfix'),
    waiting(3, 'bookworm-other-unstable'),
  ];
  const woken: [number, string][] = [];
  let listener: ((event: StoredEvent) => void) | undefined;
  const schedule = vi.fn();
  const waits = new DepWaits({
    store: {
      inState: () => builds.filter((b) => b.state === 'DEPWAIT'),
      wake: (id, reason) => {
        woken.push([id, reason]);
        builds.find((b) => b.id === id)!.state = 'QUEUED';
        return true;
      },
    },
    events: { subscribe: (l) => ((listener = l), () => (listener = undefined)) },
    schedule,
    logger: silentLogger,
    retryMinutes,
  });
  waits.start();
  const emit = (event: EventInput) =>
    listener!({
      id: 1,
      time: '',
      source: null,
      version: null,
      distribution: null,
      architecture: null,
      uploadId: null,
      buildId: null,
      details: {},
      ...event,
    } as StoredEvent);
  return { waits, woken, emit, schedule };
}

afterEach(() => vi.useRealTimers());

describe('builds waiting for dependencies', () => {
  it("are tried again once what their repository installed is published, only that repository's", () => {
    const { woken, emit, schedule } = setup();
    emit({
      type: 'INSTALLED',
      message: '',
      source: 'libfoo',
      version: '1.0',
      distribution: 'bookworm-test-hotfix',
    });
    expect(woken).toEqual([]); // apt would not see it yet
    emit({ type: 'PUBLISHED', message: '', details: { repository: 'other' } });
    expect(woken).toEqual([]);
    emit({ type: 'PUBLISHED', message: '', details: { repository: 'test' } });
    expect(woken).toEqual([
      [1, 'libfoo 1.0 was installed in bookworm-test-hotfix'],
      [2, 'libfoo 1.0 was installed in bookworm-test-hotfix'],
    ]);
    expect(schedule).toHaveBeenCalledOnce();
  });

  it('are tried again when an extra source is added for their distribution (not removed)', () => {
    const { woken, emit } = setup();
    const source = (action: string) =>
      emit({
        type: 'SOURCE',
        message: '',
        details: { action, name: 'extras', distributions: ['bookworm-other-unstable'] },
      });
    source('removed');
    expect(woken).toEqual([]);
    source('added');
    expect(woken).toEqual([[3, 'extra source extras was added']]);
  });

  it('are tried again when an extra source of their distribution is changed', () => {
    const { woken, emit } = setup();
    emit({
      type: 'SOURCE',
      message: '',
      details: { action: 'updated', name: 'extras', distributions: ['bookworm-test-hotfix'] },
    });
    expect(woken).toEqual([[2, 'extra source extras was updated']]);
  });

  it('are tried again on the timer, all of them', () => {
    vi.useFakeTimers();
    const { woken, waits } = setup(30);
    vi.advanceTimersByTime(29 * 60_000);
    expect(woken).toEqual([]);
    vi.advanceTimersByTime(60_000);
    expect(woken.map(([id]) => id)).toEqual([1, 2, 3]);
    waits.stop();
  });
});
