import type { StoredEvent } from '../events/event.js';
import type {
  Delivery,
  DeliveryState,
  NewTarget,
  NotifyStore,
  NotifyTarget,
  TargetKind,
} from '../events/notify/notify-store.js';
import type { Db } from './db-types.js';
import { inTransaction } from './database.js';
import { EventsRepository } from './events-repository.js';
import { MetaRepository } from './meta-repository.js';
import { statementCache } from './statement-cache.js';

const CURSOR_KEY = 'notify.cursor';

const TARGET_COLUMNS = `id, kind, address, secret, event_types AS eventTypes, source, repository,
  created_at AS createdAt, created_by AS createdBy`;
const DELIVERY_COLUMNS = `id, target_id AS targetId, event_id AS eventId, state, attempts,
  next_attempt_at AS nextAttemptAt, last_status AS lastStatus, last_error AS lastError,
  created_at AS createdAt, updated_at AS updatedAt`;

type TargetRow = Omit<NotifyTarget, 'eventTypes'> & { eventTypes: string };
const toTarget = (row: TargetRow): NotifyTarget => ({
  ...row,
  eventTypes: JSON.parse(row.eventTypes) as NotifyTarget['eventTypes'],
});

/** Webhooks, email subscriptions and their delivery queue. */
export class NotifyRepository implements NotifyStore {
  private readonly sql: ReturnType<typeof statementCache>;
  private readonly meta: MetaRepository;
  private readonly events: EventsRepository;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
    this.meta = new MetaRepository(db);
    this.events = new EventsRepository(db);
  }

  addTarget(target: NewTarget): NotifyTarget {
    const row = this.sql(
      `INSERT INTO notify_targets (kind, address, secret, event_types, source, repository,
           created_at, created_by)
         VALUES (@kind, @address, @secret, @eventTypes, @source, @repository, @createdAt, @createdBy)
         RETURNING ${TARGET_COLUMNS}`,
    ).get({ ...target, eventTypes: JSON.stringify(target.eventTypes) }) as TargetRow;
    return toTarget(row);
  }

  targets(kind?: TargetKind): NotifyTarget[] {
    const rows = this.sql(
      `SELECT ${TARGET_COLUMNS} FROM notify_targets WHERE @kind IS NULL OR kind = @kind ORDER BY id`,
    ).all({ kind: kind ?? null }) as TargetRow[];
    return rows.map(toTarget);
  }

  target(id: number): NotifyTarget | undefined {
    const row = this.sql(`SELECT ${TARGET_COLUMNS} FROM notify_targets WHERE id = ?`).get(id) as
      TargetRow | undefined;
    return row && toTarget(row);
  }

  removeTarget(id: number): boolean {
    return this.sql('DELETE FROM notify_targets WHERE id = ?').run(id).changes > 0;
  }

  enqueue(pairs: readonly { targetId: number; eventId: number }[], cursor: number, now: Date) {
    const insert = this.sql(
      `INSERT OR IGNORE INTO notify_deliveries (target_id, event_id, state, next_attempt_at,
           created_at, updated_at)
         VALUES (?, ?, 'pending', ?, ?, ?)`,
    );
    const time = now.toISOString();
    inTransaction(this.db, () => {
      for (const p of pairs) insert.run(p.targetId, p.eventId, time, time, time);
      this.meta.set(CURSOR_KEY, String(cursor));
    });
  }

  cursor(): number | undefined {
    const value = this.meta.get(CURSOR_KEY);
    return value === undefined ? undefined : Number(value);
  }

  head(targetId: number): Delivery | undefined {
    return this.sql(
      `SELECT ${DELIVERY_COLUMNS} FROM notify_deliveries
         WHERE target_id = ? AND state = 'pending' ORDER BY id LIMIT 1`,
    ).get(targetId) as Delivery | undefined;
  }

  pendingCount(): number {
    return this.sql(`SELECT count(*) FROM notify_deliveries WHERE state = 'pending'`)
      .pluck()
      .get() as number;
  }

  pendingTargets(): { targetId: number; nextAttemptAt: string }[] {
    return this.sql(
      `SELECT d.target_id AS targetId, d.next_attempt_at AS nextAttemptAt
         FROM notify_deliveries d
         WHERE d.state = 'pending' AND d.id = (SELECT min(id) FROM notify_deliveries
           WHERE target_id = d.target_id AND state = 'pending')`,
    ).all() as { targetId: number; nextAttemptAt: string }[];
  }

  recordAttempt(
    id: number,
    outcome: {
      state: DeliveryState;
      nextAttemptAt?: string;
      status: number | null;
      error: string | null;
    },
    now: Date,
  ): void {
    this.sql(
      `UPDATE notify_deliveries SET state = @state, attempts = attempts + 1,
           next_attempt_at = coalesce(@next, next_attempt_at), last_status = @status,
           last_error = @error, updated_at = @now
         WHERE id = @id`,
    ).run({
      id,
      state: outcome.state,
      next: outcome.nextAttemptAt ?? null,
      status: outcome.status,
      error: outcome.error,
      now: now.toISOString(),
    });
  }

  deliveries(filter: { targetId?: number; state?: DeliveryState; limit: number }): Delivery[] {
    return this.sql(
      `SELECT ${DELIVERY_COLUMNS} FROM notify_deliveries
         WHERE (@targetId IS NULL OR target_id = @targetId) AND (@state IS NULL OR state = @state)
         ORDER BY id DESC LIMIT @limit`,
    ).all({
      targetId: filter.targetId ?? null,
      state: filter.state ?? null,
      limit: filter.limit,
    }) as Delivery[];
  }

  event(id: number): StoredEvent | undefined {
    return this.events.list({ afterId: id - 1, limit: 1 }).find((e) => e.id === id);
  }

  pruneDeliveries(before: Date): number {
    return this.sql(
      `DELETE FROM notify_deliveries WHERE state IN ('delivered', 'failed') AND updated_at < ?`,
    ).run(before.toISOString()).changes;
  }
}
