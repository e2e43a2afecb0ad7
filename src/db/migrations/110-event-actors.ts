import type { Migration } from '../migrations.js';

/** Who did what: the acting user of an event (admin actions: the audit trail). */
export const eventActors: Migration = {
  version: 110,
  name: 'events.actor (the audit trail)',
  up(db) {
    db.exec(`
      ALTER TABLE events ADD COLUMN actor TEXT;
      CREATE INDEX events_actor ON events (actor, id);
    `);
  },
};
