import type { EventType, StoredEvent } from '../event.js';

export const TARGET_KINDS = ['webhook', 'email'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Where events go: a webhook URL or an email subscriber, with filters. */
export interface NotifyTarget {
  id: number;
  kind: TargetKind;
  /** The webhook's URL, or the subscriber's email address. */
  address: string;
  /** Webhooks: the key of the HMAC-SHA256 signature. */
  secret: string | null;
  /** Only these event types; empty: every type. */
  eventTypes: EventType[];
  /** Only events of this source package. */
  source: string | null;
  /** Only events of distributions of this repository. */
  repository: string | null;
  createdAt: string;
  createdBy: string | null;
}

export type NewTarget = Omit<NotifyTarget, 'id'>;

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: number;
  targetId: number;
  eventId: number;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Durable state of notifications; implemented in db/. */
export interface NotifyStore {
  addTarget(target: NewTarget): NotifyTarget;
  targets(kind?: TargetKind): NotifyTarget[];
  target(id: number): NotifyTarget | undefined;
  removeTarget(id: number): boolean;
  /**
   * Queues a delivery for each (target, event) pair given and moves the cursor past the
   * events, in one transaction.
   */
  enqueue(pairs: readonly { targetId: number; eventId: number }[], cursor: number, now: Date): void;
  /** The id of the last event turned into deliveries (0 at first). */
  cursor(): number | undefined;
  /** The oldest pending delivery of a target (deliveries of a target go in order). */
  head(targetId: number): Delivery | undefined;
  /** How many deliveries wait to go out. */
  pendingCount(): number;
  /** Targets that have pending deliveries, with the time the oldest one is due. */
  pendingTargets(): { targetId: number; nextAttemptAt: string }[];
  recordAttempt(
    id: number,
    outcome: {
      state: DeliveryState;
      nextAttemptAt?: string;
      status: number | null;
      error: string | null;
    },
    now: Date,
  ): void;
  deliveries(filter: { targetId?: number; state?: DeliveryState; limit: number }): Delivery[];
  event(id: number): StoredEvent | undefined;
  /** Deletes finished deliveries last touched before `before`; returns how many. */
  pruneDeliveries(before: Date): number;
}
