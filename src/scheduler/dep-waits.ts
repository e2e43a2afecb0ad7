import type { BuildView } from './build-records.js';
import type { EventLog } from '../events/event-log.js';
import type { StoredEvent } from '../events/event.js';
import type { Logger } from '../shared/logger.js';
import type { QueueStore } from './queue-store.js';

export interface DepWaitsDeps {
  store: Pick<QueueStore, 'inState' | 'wake'>;
  events: Pick<EventLog, 'subscribe'>;
  /** Lets the scheduler start what was woken. */
  schedule(): void;
  logger: Logger;
  /** Minutes between retries of every waiting build; 0: none on a timer. */
  retryMinutes: number;
}

/**
 * Builds waiting for their build dependencies (DEPWAIT) are tried again when something
 * may have brought them: a package installed in their repository (once the publish after
 * that INSTALLED event is done, so that apt sees it), an extra source added or changed for
 * their distribution (a SOURCE event), and every `retryMinutes`.
 */
export class DepWaits {
  /** Repository → what was installed there and is not published yet. */
  private readonly installed = new Map<string, string>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DepWaitsDeps) {}

  start(): void {
    this.unsubscribe = this.deps.events.subscribe((event) => this.heard(event), {
      types: ['INSTALLED', 'PUBLISHED', 'SOURCE'],
    });
    if (this.deps.retryMinutes > 0) {
      this.timer = setInterval(
        () => this.wake(() => true, `retried after ${this.deps.retryMinutes} min`),
        this.deps.retryMinutes * 60_000,
      );
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Wakes the waiting builds `which` selects; returns how many. */
  wake(which: (build: BuildView) => boolean, reason: string): number {
    let woken = 0;
    for (const build of this.deps.store.inState('DEPWAIT')) {
      if (which(build) && this.deps.store.wake(build.id, reason)) woken++;
    }
    if (woken > 0) {
      this.deps.logger.info('builds waiting for dependencies tried again', { woken, reason });
      this.deps.schedule();
    }
    return woken;
  }

  private heard(event: StoredEvent): void {
    if (event.type === 'INSTALLED') {
      const repository = event.distribution?.split('-')[1];
      if (repository) {
        this.installed.set(
          repository,
          `${event.source} ${event.version} was installed in ${event.distribution}`,
        );
      }
      return;
    }
    if (event.type === 'PUBLISHED') {
      const repository = (event.details as { repository?: string }).repository ?? '';
      const what = this.installed.get(repository);
      if (what === undefined) return;
      this.installed.delete(repository);
      this.wake((b) => b.repository === repository, what);
      return;
    }
    const details = event.details as { action?: string; name?: string; distributions?: string[] };
    if (details.action !== 'added' && details.action !== 'updated') return;
    this.wake(
      (b) => (details.distributions ?? []).includes(b.distribution),
      `extra source ${details.name ?? ''} was ${details.action}`,
    );
  }
}
