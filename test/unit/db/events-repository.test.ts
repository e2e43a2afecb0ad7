import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

function repo() {
  const db = openDatabase(path.join(tempDir(), 'e.db'), { logger: silentLogger });
  return new EventsRepository(db);
}

describe('EventsRepository', () => {
  it('stores events with increasing ids and round-trips every field', () => {
    const events = repo();
    const time = new Date('2026-03-01T10:00:00Z');
    const a = events.append(
      {
        type: 'ACCEPTED',
        message: 'hello accepted',
        source: 'hello',
        version: '1.0-1',
        uploadId: 7,
        actor: 'lou',
        details: { files: 3 },
      },
      time,
    );
    const b = events.append({ type: 'REJECTED', message: 'bad' }, time);
    expect(b.id).toBeGreaterThan(a.id);
    expect(a).toEqual({
      id: a.id,
      time: '2026-03-01T10:00:00.000Z',
      type: 'ACCEPTED',
      message: 'hello accepted',
      source: 'hello',
      version: '1.0-1',
      distribution: null,
      architecture: null,
      uploadId: 7,
      buildId: null,
      actor: 'lou',
      details: { files: 3 },
    });
  });

  it('filters and orders: newest first when browsing, oldest first when following', () => {
    const events = repo();
    const t = new Date();
    const ids = ['ACCEPTED', 'BUILDING', 'BUILT', 'INSTALLED'].map(
      (type, i) =>
        events.append({ type: type as 'ACCEPTED', message: type, source: i % 2 ? 'b' : 'a' }, t).id,
    );
    expect(events.list({}).map((e) => e.id)).toEqual([...ids].reverse());
    expect(events.list({ afterId: ids[1] }).map((e) => e.id)).toEqual([ids[2], ids[3]]);
    expect(events.list({ types: ['BUILT', 'ACCEPTED'] }).map((e) => e.type)).toEqual([
      'BUILT',
      'ACCEPTED',
    ]);
    expect(events.list({ source: 'b' }).map((e) => e.type)).toEqual(['INSTALLED', 'BUILDING']);
    expect(events.list({ beforeId: ids[2], limit: 1 }).map((e) => e.id)).toEqual([ids[1]]);
  });
});
