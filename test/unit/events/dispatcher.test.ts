import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { NotifyRepository } from '../../../src/db/notify-repository.js';
import { EventLog } from '../../../src/events/event-log.js';
import { Dispatcher } from '../../../src/events/notify/dispatcher.js';
import { TransportError, type Transport } from '../../../src/events/notify/transport.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

function setup(failing: Set<number>) {
  const db = openDatabase(path.join(tempDir(), 'db'), { logger: silentLogger });
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const events = new EventLog({ store: new EventsRepository(db), clock, logger: silentLogger });
  const store = new NotifyRepository(db);
  const sent: number[] = [];
  const transport: Transport = {
    send: async (_target, event) => {
      if (failing.has(event.id)) throw new TransportError('answered 503 Service Unavailable', 503);
      sent.push(event.id);
      return { status: 204 };
    },
  };
  const dispatcher = new Dispatcher({
    store,
    events,
    transports: { webhook: transport },
    clock,
    logger: silentLogger,
    options: { retryMs: 1000, retryMaxMs: 3000, attempts: 4 },
  });
  store.addTarget({
    kind: 'webhook',
    address: 'http://127.0.0.1:9/',
    secret: 'secret',
    eventTypes: ['INSTALLED'],
    source: null,
    repository: null,
    createdAt: clock.now().toISOString(),
    createdBy: null,
  });
  return { db, clock, events, store, sent, dispatcher };
}

describe('Dispatcher', () => {
  it('delivers in order, holds the queue behind a failing head with backoff, then gives up', async () => {
    const failing = new Set([2]);
    const { db, clock, events, store, sent, dispatcher } = setup(failing);
    try {
      dispatcher.start();
      for (const n of [1, 2, 3]) events.emit({ type: 'INSTALLED', message: `install ${n}` });
      events.emit({ type: 'PUBLISHED', message: 'not wanted' });
      await dispatcher.idle();
      expect(sent).toEqual([1]);
      const head = () => store.deliveries({ limit: 10 }).find((d) => d.eventId === 2)!;
      // Waits 1 s, 2 s, 3 s (capped) between tries; the fourth try is the last.
      for (const wait of [1000, 2000, 3000]) {
        expect(Date.parse(head().nextAttemptAt) - clock.now().getTime()).toBe(wait);
        clock.advance(wait - 1);
        dispatcher.wake();
        await dispatcher.idle();
        expect(sent).toEqual([1]);
        clock.advance(1);
        dispatcher.wake();
        await dispatcher.idle();
      }
      expect(head()).toMatchObject({ state: 'failed', attempts: 4, lastStatus: 503 });
      expect(sent).toEqual([1, 3]);
      expect(store.deliveries({ limit: 10 }).map((d) => [d.eventId, d.state])).toEqual([
        [3, 'delivered'],
        [2, 'failed'],
        [1, 'delivered'],
      ]);
    } finally {
      await dispatcher.stop();
      db.close();
    }
  });

  it('resumes after a restart from its cursor, and starts new homes at the present', async () => {
    const { db, clock, events, store, sent, dispatcher } = setup(new Set());
    try {
      events.emit({ type: 'INSTALLED', message: 'before the first start' });
      dispatcher.start();
      await dispatcher.idle();
      await dispatcher.stop();
      expect(sent).toEqual([]);
      events.emit({ type: 'INSTALLED', message: 'while stopped' });
      const again = new Dispatcher({
        store,
        events,
        transports: {
          webhook: { send: async (_t, e) => (sent.push(e.id), { status: 204 }) },
        },
        clock,
        logger: silentLogger,
        options: { retryMs: 1000, retryMaxMs: 3000, attempts: 4 },
      });
      again.start();
      await again.idle();
      expect(sent).toEqual([2]);
      await again.stop();
    } finally {
      db.close();
    }
  });
});
