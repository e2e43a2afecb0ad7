import type { StoredEvent } from '../event.js';
import type { Delivery, NotifyTarget } from './notify-store.js';

/** Sends one event to one target; throws TransportError (or any error) when it did not go. */
export interface Transport {
  send(
    target: NotifyTarget,
    event: StoredEvent,
    delivery: Delivery,
    signal: AbortSignal,
  ): Promise<{ status: number | null }>;
}

/** A failed send, with the receiver's HTTP status when there was one. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Whether a target wants an event (its type, source and repository filters). */
export function targetWants(target: NotifyTarget, event: StoredEvent): boolean {
  if (event.time < target.createdAt) return false;
  if (target.eventTypes.length > 0 && !target.eventTypes.includes(event.type)) return false;
  if (target.source !== null && event.source !== target.source) return false;
  if (target.repository !== null) {
    // A PUBLISHED event of several distributions names their repository in its details.
    const repo =
      /^[a-z][a-z0-9]*-([a-z0-9]+)-[a-z]/.exec(event.distribution ?? '')?.[1] ??
      event.details.repository;
    if (repo !== target.repository) return false;
  }
  return true;
}
