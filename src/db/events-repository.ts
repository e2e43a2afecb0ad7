import { eventRepositories } from '../events/event-repositories.js';
import type { EventFilter, EventInput, EventStore, StoredEvent } from '../events/event.js';
import type { Db } from './database.js';
import { pagedSelect } from './id-paging.js';
import { statementCache } from './statement-cache.js';

interface EventRow {
  id: number;
  time: string;
  type: StoredEvent['type'];
  message: string;
  source: string | null;
  version: string | null;
  distribution: string | null;
  architecture: string | null;
  upload_id: number | null;
  build_id: number | null;
  actor: string | null;
  details: string;
}

const toEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  time: row.time,
  type: row.type,
  message: row.message,
  source: row.source,
  version: row.version,
  distribution: row.distribution,
  architecture: row.architecture,
  uploadId: row.upload_id,
  buildId: row.build_id,
  actor: row.actor,
  details: JSON.parse(row.details) as Record<string, unknown>,
});

const MAX_LIMIT = 1000;

/** The durable event log in SQLite. */
export class EventsRepository implements EventStore {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  append(event: EventInput, time: Date): StoredEvent {
    // Prepared once: a bulk install records thousands of events in one transaction.
    const row = this.sql(
      `INSERT INTO events (time, type, message, source, version, distribution, architecture,
           upload_id, build_id, actor, details, repositories)
         VALUES (@time, @type, @message, @source, @version, @distribution, @architecture,
           @upload_id, @build_id, @actor, @details, @repositories)
         RETURNING *`,
    ).get({
      time: time.toISOString(),
      type: event.type,
      message: event.message,
      source: event.source ?? null,
      version: event.version ?? null,
      distribution: event.distribution ?? null,
      architecture: event.architecture ?? null,
      upload_id: event.uploadId ?? null,
      build_id: event.buildId ?? null,
      actor: event.actor ?? null,
      details: JSON.stringify(event.details ?? {}),
      repositories: repositoriesOf(event),
    }) as EventRow;
    return toEvent(row);
  }

  /** Deletes the events older than `before` (retention); returns how many. */
  deleteBefore(before: Date): number {
    return this.db.prepare('DELETE FROM events WHERE time < ?').run(before.toISOString()).changes;
  }

  list(filter: EventFilter): StoredEvent[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.types && filter.types.length > 0) {
      const names = filter.types.map((_, i) => `@type${i}`);
      where.push(`type IN (${names.join(', ')})`);
      filter.types.forEach((type, i) => (params[`type${i}`] = type));
    }
    if (filter.hiddenTypes && filter.hiddenTypes.length > 0) {
      const names = filter.hiddenTypes.map((_, i) => `@hiddenType${i}`);
      where.push(`type NOT IN (${names.join(', ')})`);
      filter.hiddenTypes.forEach((type, i) => (params[`hiddenType${i}`] = type));
    }
    for (const [key, column] of [
      ['source', 'source'],
      ['distribution', 'distribution'],
      ['uploadId', 'upload_id'],
      ['buildId', 'build_id'],
      ['actor', 'actor'],
    ] as const) {
      if (filter[key] !== undefined) {
        where.push(`${column} = @${key}`);
        params[key] = filter[key];
      }
    }
    if (filter.hiddenRepositories && filter.hiddenRepositories.length > 0) {
      // In the query, not after it: a page holds `limit` events whatever is left out.
      where.push(`(repositories IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(repositories) r
        WHERE r.value IN (SELECT value FROM json_each(@hiddenRepositories))))`);
      params.hiddenRepositories = JSON.stringify(filter.hiddenRepositories);
    }
    const sql = pagedSelect('events', where, params, filter, MAX_LIMIT);
    return (this.db.prepare(sql).all(params) as EventRow[]).map(toEvent);
  }
}

/** The JSON list of the repositories an event is about; null for none. */
function repositoriesOf(event: EventInput): string | null {
  const repositories = eventRepositories(event);
  return repositories.length > 0 ? JSON.stringify(repositories) : null;
}
