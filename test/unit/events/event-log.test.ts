import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { EventLog } from '../../../src/events/event-log.js';
import type { StoredEvent } from '../../../src/events/event.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

function log() {
  const db = openDatabase(path.join(tempDir(), 'e.db'), { logger: silentLogger });
  return {
    db,
    events: new EventLog({
      store: new EventsRepository(db),
      clock: new ManualClock('2026-05-05T00:00:00Z'),
      logger: silentLogger,
    }),
  };
}

describe('EventLog', () => {
  it('stores and delivers to matching subscribers in order', () => {
    const { events } = log();
    const all: StoredEvent[] = [];
    const built: StoredEvent[] = [];
    events.subscribe((e) => all.push(e));
    const stop = events.subscribe((e) => built.push(e), { types: ['BUILT'] });
    events.emit({ type: 'BUILDING', message: 'a' });
    events.emit({ type: 'BUILT', message: 'b' });
    stop();
    events.emit({ type: 'BUILT', message: 'c' });
    expect(all.map((e) => e.message)).toEqual(['a', 'b', 'c']);
    expect(built.map((e) => e.message)).toEqual(['b']);
    expect(all[0]!.time).toBe('2026-05-05T00:00:00.000Z');
    expect(events.list({}).map((e) => e.message)).toEqual(['c', 'b', 'a']);
  });

  it('records inside a transaction and publishes only what was committed', () => {
    const { db, events } = log();
    const seen: string[] = [];
    events.subscribe((e) => seen.push(e.message));
    const rolledBack = () =>
      db.transaction(() => {
        events.record({ type: 'ACCEPTED', message: 'lost' });
        throw new Error('abort');
      })();
    expect(rolledBack).toThrow('abort');
    const kept = db.transaction(() => events.record({ type: 'ACCEPTED', message: 'kept' }))();
    events.publish(kept);
    expect(events.list({}).map((e) => e.message)).toEqual(['kept']);
    expect(seen).toEqual(['kept']);
  });

  it('keeps delivering when one listener throws', () => {
    const { events } = log();
    const seen: number[] = [];
    events.subscribe(() => {
      throw new Error('bad listener');
    });
    events.subscribe((e) => seen.push(e.id));
    events.emit({ type: 'DAEMON', message: 'x' });
    expect(seen).toHaveLength(1);
  });
});
