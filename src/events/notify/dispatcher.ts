import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { EventLog } from '../event-log.js';
import type { NotifyStore, TargetKind } from './notify-store.js';
import { targetWants, TransportError, type Transport } from './transport.js';

export interface DispatcherOptions {
  /** The first retry waits this long, each next one twice as long … */
  retryMs: number;
  /** … but never longer than this. */
  retryMaxMs: number;
  /** Attempts before a delivery is given up. */
  attempts: number;
}

export interface DispatcherDeps {
  store: NotifyStore;
  events: EventLog;
  transports: Partial<Record<TargetKind, Transport>>;
  clock: Clock;
  logger: Logger;
  options: DispatcherOptions;
}

const BATCH = 500;

/**
 * Delivers events to webhooks and email subscribers, durably: events become delivery
 * rows (a cursor in the database says how far, so a restart misses none), and each
 * target gets its deliveries in event order, one at a time. A failed delivery is retried
 * with exponential backoff while the ones behind it wait, until it goes through or its
 * attempts are used up (then it is recorded as failed and the next one goes).
 */
export class Dispatcher {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly deps: DispatcherDeps) {}

  start(): void {
    if (this.deps.store.cursor() === undefined) {
      // A new daemon sends what happens from now on, not its history.
      const [latest] = this.deps.events.list({ limit: 1 });
      this.deps.store.enqueue([], latest?.id ?? 0, this.deps.clock.now());
    }
    this.unsubscribe = this.deps.events.subscribe(() => this.wake());
    this.wake();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearTimeout(this.timer);
    this.abort.abort(new Error('notifications stopping'));
    await this.running;
  }

  /** Resolves once everything due now has been tried (for tests and callers). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Looks for new events and due deliveries (again, if a round is running). */
  wake(): void {
    if (this.abort.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error: unknown) =>
        this.deps.logger.error('notification round failed', { err: error }),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async round(): Promise<void> {
    this.pump();
    const now = this.deps.clock.now().toISOString();
    const pending = this.deps.store.pendingTargets();
    await Promise.all(
      pending.filter((p) => p.nextAttemptAt <= now).map((p) => this.drain(p.targetId)),
    );
    this.schedule();
  }

  /** Turns the events after the cursor into deliveries for the targets that want them. */
  private pump(): void {
    const { store, events, clock } = this.deps;
    const targets = store.targets().filter((t) => this.deps.transports[t.kind]);
    for (;;) {
      const cursor = store.cursor() ?? 0;
      const batch = events.list({ afterId: cursor, limit: BATCH });
      if (batch.length === 0) return;
      const pairs = batch.flatMap((event) =>
        targets
          .filter((t) => targetWants(t, event))
          .map((t) => ({ targetId: t.id, eventId: event.id })),
      );
      store.enqueue(pairs, batch.at(-1)!.id, clock.now());
      if (batch.length < BATCH) return;
    }
  }

  /** Sends a target's due deliveries in order until one fails (and waits for its retry). */
  private async drain(targetId: number): Promise<void> {
    const { store, clock } = this.deps;
    const target = store.target(targetId);
    const transport = target && this.deps.transports[target.kind];
    if (!target || !transport) return;
    for (;;) {
      const delivery = store.head(targetId);
      if (!delivery || delivery.nextAttemptAt > clock.now().toISOString()) return;
      if (this.abort.signal.aborted) return;
      const event = store.event(delivery.eventId);
      if (!event) {
        const error = 'the event was deleted (retention) before it could be delivered';
        store.recordAttempt(delivery.id, { state: 'failed', status: null, error }, clock.now());
        continue;
      }
      try {
        const { status } = await transport.send(target, event, delivery, this.abort.signal);
        store.recordAttempt(delivery.id, { state: 'delivered', status, error: null }, clock.now());
      } catch (error) {
        if (this.abort.signal.aborted) return;
        const attempts = delivery.attempts + 1;
        const given = attempts >= this.deps.options.attempts;
        const status = error instanceof TransportError ? error.status : null;
        const message = (error as Error).message;
        store.recordAttempt(
          delivery.id,
          given
            ? { state: 'failed', status, error: message }
            : { state: 'pending', status, error: message, nextAttemptAt: this.retryAt(attempts) },
          clock.now(),
        );
        this.deps.logger.warn(given ? 'a notification was given up' : 'a notification failed', {
          target: target.address,
          event: event.id,
          attempts,
          error: message,
        });
        if (!given) return;
      }
    }
  }

  private retryAt(attempts: number): string {
    const { retryMs, retryMaxMs } = this.deps.options;
    const wait = Math.min(retryMs * 2 ** (attempts - 1), retryMaxMs);
    return new Date(this.deps.clock.now().getTime() + wait).toISOString();
  }

  /** Wakes up when the next retry is due. */
  private schedule(): void {
    clearTimeout(this.timer);
    const next = this.deps.store
      .pendingTargets()
      .map((p) => Date.parse(p.nextAttemptAt))
      .sort((a, b) => a - b)[0];
    if (next === undefined || this.abort.signal.aborted) return;
    const wait = Math.max(0, next - this.deps.clock.now().getTime());
    this.timer = setTimeout(() => this.wake(), Math.min(wait, 2 ** 31 - 1));
    this.timer.unref();
  }
}
