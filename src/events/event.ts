/** What happened; the pipeline's steps and the daemon's own life. */
export const EVENT_TYPES = [
  'REJECTED',
  'ACCEPTED',
  'PACKAGING',
  'BUILDING',
  'BUILT',
  'TESTED',
  'FAILED',
  'CANCELLED',
  'INSTALLED',
  'MIGRATED',
  'REMOVED',
  'PUBLISHED',
  'SNAPSHOT',
  'CHROOT',
  'PEER',
  'INCOMING',
  'DAEMON',
  'KEY',
  'AUDIT',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface EventInput {
  type: EventType;
  /** One line for humans. */
  message: string;
  source?: string | null;
  version?: string | null;
  distribution?: string | null;
  architecture?: string | null;
  uploadId?: number | null;
  buildId?: number | null;
  /** The user who did it (admin actions: the audit trail); null for the daemon's own work. */
  actor?: string | null;
  /** Structured extras (reasons, sizes, durations). JSON-serializable. */
  details?: Record<string, unknown>;
}

export interface StoredEvent extends Required<Omit<EventInput, 'details'>> {
  id: number;
  /** ISO 8601 UTC. */
  time: string;
  details: Record<string, unknown>;
}

export interface EventFilter {
  /** Only events with an id greater than this. */
  afterId?: number;
  /** Only events with an id less than this (paging backwards). */
  beforeId?: number;
  types?: readonly EventType[];
  source?: string;
  distribution?: string;
  uploadId?: number;
  buildId?: number;
  /** Only what this user did. */
  actor?: string;
  /** At most this many (newest first unless afterId is given, then oldest first). */
  limit?: number;
}

/** Durable storage of events; implemented in db/. */
export interface EventStore {
  append(event: EventInput, time: Date): StoredEvent;
  list(filter: EventFilter): StoredEvent[];
}

export function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  if (filter.afterId !== undefined && event.id <= filter.afterId) return false;
  if (filter.beforeId !== undefined && event.id >= filter.beforeId) return false;
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.source !== undefined && event.source !== filter.source) return false;
  if (filter.distribution !== undefined && event.distribution !== filter.distribution) return false;
  if (filter.uploadId !== undefined && event.uploadId !== filter.uploadId) return false;
  if (filter.buildId !== undefined && event.buildId !== filter.buildId) return false;
  if (filter.actor !== undefined && event.actor !== filter.actor) return false;
  return true;
}
