import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { eventRepositoriesColumn } from '../../../src/db/migrations/112-event-repositories.js';
import { matchesFilter, type EventInput } from '../../../src/events/event.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

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

  it('leaves out the events about hidden repositories in the query, live and stored alike', () => {
    const events = repo();
    const t = new Date();
    const made = [
      { type: 'INSTALLED', message: 'a', distribution: 'bookworm-open-unstable' },
      { type: 'INSTALLED', message: 'b', distribution: 'bookworm-vault-unstable-rollback2' },
      { type: 'PUBLISHED', message: 'c', details: { repository: 'vault' } },
      { type: 'SOURCE', message: 'd', details: { distributions: ['bookworm-open-stable'] } },
      { type: 'SOURCE', message: 'e', details: { distributions: ['trixie-vault-stable'] } },
      {
        type: 'AUDIT',
        message: 'f',
        details: { call: 'read_token_create', input: { repo: 'vault' } },
      },
      { type: 'AUDIT', message: 'g', details: { call: 'repository_add', input: { id: 'vault' } } },
      { type: 'AUDIT', message: 'h', details: { call: 'user_add', input: { id: 'vault' } } },
      { type: 'DAEMON', message: 'i', distribution: 'not-a-distribution-name-at-all' },
    ] as const;
    const stored = made.map((e) => events.append(e as EventInput, t));
    const visible = ['i', 'h', 'd', 'a'];
    const filter = { hiddenRepositories: ['vault'] };
    expect(events.list(filter).map((e) => e.message)).toEqual(visible);
    expect(stored.filter((e) => matchesFilter(e, filter)).map((e) => e.message)).toEqual(
      [...visible].reverse(),
    );
    // A page of one is one visible event, however many hidden ones are newer.
    expect(events.list({ ...filter, beforeId: stored[7]!.id, limit: 1 })[0]!.message).toBe('d');
    expect(events.list({}).length).toBe(made.length);
  });

  it('gives events stored before migration 112 the repositories they are about', () => {
    const db = new BetterSqlite3(':memory:');
    db.exec(
      'CREATE TABLE events (id INTEGER PRIMARY KEY, type TEXT, distribution TEXT, details TEXT)',
    );
    const insert = db.prepare('INSERT INTO events (type, distribution, details) VALUES (?, ?, ?)');
    insert.run('INSTALLED', 'bookworm-vault-unstable', '{}');
    insert.run('PUBLISHED', null, '{"repository":"open"}');
    insert.run('DAEMON', null, '{}');
    eventRepositoriesColumn.up(db as never);
    expect(db.prepare('SELECT repositories FROM events ORDER BY id').pluck().all()).toEqual([
      '["vault"]',
      '["open"]',
      null,
    ]);
  });
});
