import { eventRepositories } from '../../events/event-repositories.js';
import type { EventInput } from '../../events/event.js';
import type { Migration } from '../migrations.js';

/**
 * The repositories each event is about (a JSON list; NULL for none), so that a caller who
 * may not read a private repository is not shown its events, filtered in the query. Events
 * already stored get theirs from their distribution and details.
 */
export const eventRepositoriesColumn: Migration = {
  version: 112,
  name: 'events.repositories (events of private repositories)',
  up(db) {
    db.exec('ALTER TABLE events ADD COLUMN repositories TEXT');
    const rows = db
      .prepare('SELECT id, type, distribution, details FROM events')
      .iterate() as IterableIterator<{
      id: number;
      type: EventInput['type'];
      distribution: string | null;
      details: string;
    }>;
    const updates: { id: number; repositories: string }[] = [];
    for (const row of rows) {
      const details = JSON.parse(row.details) as Record<string, unknown>;
      const repositories = eventRepositories({ ...row, details });
      if (repositories.length > 0) {
        updates.push({ id: row.id, repositories: JSON.stringify(repositories) });
      }
    }
    const update = db.prepare('UPDATE events SET repositories = @repositories WHERE id = @id');
    for (const row of updates) update.run(row);
  },
};
