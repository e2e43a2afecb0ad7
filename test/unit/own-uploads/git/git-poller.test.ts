import { describe, expect, it } from 'vitest';
import type { GitSourceRecord } from '../../../../src/own-uploads/git/git-source-records.js';
import { GitPoller } from '../../../../src/own-uploads/git/git-poller.js';
import { silentLogger } from '../../../../src/shared/logger.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const source = (name: string, pollMinutes: number, polledAt: string | null) =>
  ({ name, pollMinutes, polledAt }) as GitSourceRecord;

function poller(sources: GitSourceRecord[], at = NOW) {
  const polled: string[] = [];
  const pruned: Date[] = [];
  const clock = { now: () => new Date(at), monotonicMs: () => 0 };
  const it = new GitPoller({
    store: {
      list: () => sources,
      pruneDeliveries: (before) => {
        pruned.push(before);
        return 0;
      },
    },
    triggers: {
      poll: (s) => {
        polled.push(s.name);
        return Promise.resolve([]);
      },
    },
    clock,
    logger: silentLogger,
    deliveriesDays: 90,
    maxWaitMs: 3_600_000,
  });
  return { poller: it, polled, pruned };
}

describe('GitPoller', () => {
  it('sleeps until the next source is due by its own interval, at most the longest wait', () => {
    const minute = 60_000;
    expect(poller([]).poller.nextDelay()).toBe(3_600_000);
    expect(
      poller([
        source('never', 0, null),
        source('hourly', 60, new Date(NOW - 10 * minute).toISOString()),
        source('every5', 5, new Date(NOW - 2 * minute).toISOString()),
      ]).poller.nextDelay(),
    ).toBe(3 * minute);
    expect(poller([source('weekly', 7 * 24 * 60, null)]).poller.nextDelay()).toBe(0);
  });

  it('polls only the due sources and deletes deliveries older than the kept days, once a day', async () => {
    const {
      poller: p,
      polled,
      pruned,
    } = poller([
      source('due', 5, new Date(NOW - 6 * 60_000).toISOString()),
      source('not-yet', 5, new Date(NOW - 60_000).toISOString()),
      source('off', 0, null),
    ]);
    await p.tick();
    await p.tick();
    await p.stop();
    expect(polled).toEqual(['due', 'due']);
    expect(pruned).toEqual([new Date(NOW - 90 * 86_400_000)]);
  });
});
