import type { Migration } from '../migrations.js';

/**
 * Where events are sent (webhooks and email subscriptions) and the durable delivery
 * queue with its log: one row per (target, event), retried until delivered or given up.
 */
export const notifications: Migration = {
  version: 61,
  name: 'notification targets (webhooks, email) and deliveries',
  up(db) {
    db.exec(`
      CREATE TABLE notify_targets (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('webhook', 'email')),
        -- the URL of a webhook, the address of an email subscriber
        address TEXT NOT NULL,
        -- webhooks: the HMAC-SHA256 key of X-Debyard-Signature
        secret TEXT,
        -- filters: event types (JSON list, empty: all), source package, repository
        event_types TEXT NOT NULL DEFAULT '[]',
        source TEXT,
        repository TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT
      ) STRICT;

      CREATE TABLE notify_deliveries (
        id INTEGER PRIMARY KEY,
        target_id INTEGER NOT NULL REFERENCES notify_targets (id) ON DELETE CASCADE,
        event_id INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (target_id, event_id)
      ) STRICT;
      CREATE INDEX notify_deliveries_queue ON notify_deliveries (target_id, state, id);
      CREATE INDEX notify_deliveries_updated ON notify_deliveries (state, updated_at);
    `);
  },
};
