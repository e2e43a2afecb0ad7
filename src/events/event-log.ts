import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import {
  matchesFilter,
  type EventFilter,
  type EventInput,
  type EventStore,
  type StoredEvent,
} from './event.js';

export type EventListener = (event: StoredEvent) => void;

export interface EventLogDeps {
  store: EventStore;
  clock: Clock;
  logger: Logger;
}

/**
 * The durable, streamable event log. `record` stores an event (call it inside the
 * transaction that made the change), `publish` tells live subscribers (call it after
 * the commit); `emit` does both for changes that are not part of a transaction.
 */
export class EventLog {
  private readonly listeners = new Set<{ listener: EventListener; filter: EventFilter }>();

  constructor(private readonly deps: EventLogDeps) {}

  record(input: EventInput): StoredEvent {
    return this.deps.store.append(input, this.deps.clock.now());
  }

  publish(event: StoredEvent): void {
    for (const { listener, filter } of [...this.listeners]) {
      if (!matchesFilter(event, filter)) continue;
      try {
        listener(event);
      } catch (error) {
        this.deps.logger.error('event listener failed', { err: error, eventId: event.id });
      }
    }
  }

  emit(input: EventInput): StoredEvent {
    const event = this.record(input);
    this.publish(event);
    return event;
  }

  list(filter: EventFilter = {}): StoredEvent[] {
    return this.deps.store.list(filter);
  }

  /** Live events matching the filter; returns the function that unsubscribes. */
  subscribe(listener: EventListener, filter: EventFilter = {}): () => void {
    const entry = { listener, filter: { ...filter, afterId: undefined, limit: undefined } };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }
}
