import type { Migration } from '../migrations.js';

export const chroots: Migration = {
  version: 30,
  name: 'base chroots',
  up(db) {
    db.exec(`
      CREATE TABLE chroots (
        id INTEGER PRIMARY KEY,
        codename TEXT NOT NULL,
        architecture TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('creating', 'ready', 'updating', 'broken')),
        -- The base tree builds start on; 0 while none exists yet.
        generation INTEGER NOT NULL DEFAULT 0,
        -- The phase of the running create or update, for the UI.
        progress TEXT,
        size_bytes INTEGER,
        created_at TEXT NOT NULL,
        -- When the current generation was made (created or updated).
        updated_at TEXT,
        last_error TEXT,
        UNIQUE (codename, architecture)
      ) STRICT;
    `);
  },
};
