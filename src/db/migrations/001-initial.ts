import type { Migration } from '../migrations.js';

export const initial: Migration = {
  version: 1,
  name: 'meta, users and events',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('login', 'staff', 'admin')),
        password_hash TEXT,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        type TEXT NOT NULL,
        message TEXT NOT NULL,
        source TEXT,
        version TEXT,
        distribution TEXT,
        architecture TEXT,
        upload_id INTEGER,
        build_id INTEGER,
        details TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      CREATE INDEX events_type ON events (type, id);
      CREATE INDEX events_source ON events (source, id);
      CREATE INDEX events_upload ON events (upload_id, id);
      CREATE INDEX events_build ON events (build_id, id);
    `);
  },
};
