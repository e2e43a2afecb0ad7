import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { EventLog } from '../../../src/events/event-log.js';
import { Metrics } from '../../../src/events/metrics.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

function metrics(queue: { length: number }) {
  const db = openDatabase(path.join(tempDir(), 'm.db'), { logger: silentLogger });
  const events = new EventLog({
    store: new EventsRepository(db),
    clock: new ManualClock('2026-05-05T00:00:00Z'),
    logger: silentLogger,
  });
  const m = new Metrics({ events, queueLength: () => queue.length, pendingNotifications: () => 0 });
  m.start();
  return { events, m };
}

const value = (text: string, line: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${line} `))
      ?.split(' ')[1],
  );

describe('Metrics', () => {
  it('counts uploads, builds and durations from the scheduler’s and archive’s events', async () => {
    const queue = { length: 3 };
    const { events, m } = metrics(queue);
    events.emit({ type: 'ACCEPTED', message: 'a', uploadId: 1 });
    events.emit({ type: 'REJECTED', message: 'r', uploadId: 2 });
    // A failed auto-port is reported as REJECTED without an upload: no upload was decided.
    events.emit({ type: 'REJECTED', message: 'auto-port failed', uploadId: null });
    const times = (totalMs: number) => ({ times: { totalMs } });
    events.emit({ type: 'BUILT', message: 'b', uploadId: 1, buildId: 1, details: times(12_000) });
    events.emit({ type: 'FAILED', message: 'f', uploadId: 1, buildId: 2, details: times(3000) });
    events.emit({ type: 'FAILED', message: 'upload failed', uploadId: 1, buildId: null });
    events.emit({ type: 'CANCELLED', message: 'c', uploadId: 1, buildId: 3, details: times(1) });
    events.emit({ type: 'PUBLISHED', message: 'p', details: { seconds: 0.25 } });
    const text = await m.text();
    expect(value(text, 'debyard_uploads_total{result="accepted"}')).toBe(1);
    expect(value(text, 'debyard_uploads_total{result="rejected"}')).toBe(1);
    expect(value(text, 'debyard_builds_total{result="built"}')).toBe(1);
    expect(value(text, 'debyard_builds_total{result="failed"}')).toBe(1);
    expect(value(text, 'debyard_builds_total{result="cancelled"}')).toBe(1);
    expect(value(text, 'debyard_build_duration_seconds_count')).toBe(2);
    expect(value(text, 'debyard_build_duration_seconds_sum')).toBe(15);
    expect(value(text, 'debyard_build_duration_seconds_bucket{le="10"}')).toBe(1);
    expect(value(text, 'debyard_publish_duration_seconds_sum')).toBe(0.25);
    expect(value(text, 'debyard_build_queue_length')).toBe(3);
    queue.length = 0;
    expect(value(await m.text(), 'debyard_build_queue_length')).toBe(0);
    m.stop();
  });
});
