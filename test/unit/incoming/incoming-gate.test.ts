import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inTransaction, openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { MetaRepository } from '../../../src/db/meta-repository.js';
import { EventLog } from '../../../src/events/event-log.js';
import { IncomingGate } from '../../../src/incoming/incoming-gate.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

function open(file: string) {
  const db = openDatabase(file, { logger: silentLogger });
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const events = new EventLog({ store: new EventsRepository(db), clock, logger: silentLogger });
  const gate = new IncomingGate({
    store: new MetaRepository(db),
    transaction: (fn) => inTransaction(db, fn),
    events,
    clock,
  });
  return { db, events, gate };
}

describe('IncomingGate', () => {
  it('pauses and resumes with an event each, and remembers the pause across restarts', () => {
    const file = path.join(tempDir(), 'db.sqlite');
    const first = open(file);
    expect(first.gate.refusal()).toBeNull();
    const paused = first.gate.pause('ada', 'new disks');
    expect(paused).toEqual({
      paused: true,
      since: '2026-03-01T10:00:00.000Z',
      by: 'ada',
      reason: 'new disks',
    });
    expect(first.gate.pause('bob', 'again')).toEqual(paused);
    expect(first.gate.refusal()).toBe(
      'Uploads are paused on this debyard since 2026-03-01T10:00:00.000Z (new disks); try again later',
    );
    first.db.close();

    const second = open(file);
    expect(second.gate.state()).toEqual(paused);
    expect(second.gate.resume('bob')).toEqual({
      paused: false,
      since: null,
      by: null,
      reason: null,
    });
    expect(second.gate.refusal()).toBeNull();
    expect(second.events.list({ types: ['INCOMING'] }).map((e) => e.message)).toEqual([
      'incoming resumed by bob; FTP uploads are taken again',
      'incoming paused by ada: new disks; FTP uploads are refused',
    ]);
    second.db.close();
  });
});
