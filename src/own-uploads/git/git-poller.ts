import type { GitSourcesRepository } from '../../db/git-sources-repository.js';
import type { Clock } from '../../shared/clock.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { GitTriggers } from './git-triggers.js';

export interface GitPollerDeps {
  store: Pick<GitSourcesRepository, 'list' | 'pruneDeliveries'>;
  triggers: Pick<GitTriggers, 'poll'>;
  clock: Clock;
  logger: Logger;
  /** Webhook deliveries older than this many days are deleted (once a day). */
  deliveriesDays: number;
  /** The longest it sleeps between two looks (an hour; the next due poll wakes it sooner). */
  maxWaitMs?: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * Polls each source with a poll interval (its own --poll-minutes) once that interval has
 * passed since its last poll: it sleeps until the next source is due (at most an hour;
 * a changed source list wakes it), and once a day it deletes old webhook deliveries.
 */
export class GitPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private prunedAt = Number.NEGATIVE_INFINITY;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: GitPollerDeps) {}

  start(): void {
    void this.tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.stopping.abort(new Error('the daemon is stopping'));
    await this.running;
  }

  /** The sources changed (added, removed): look again when the next one is due. */
  changed(): void {
    if (!this.running && !this.stopping.signal.aborted) this.schedule();
  }

  /** Polls the sources that are due (one round at a time), then sleeps until the next. */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
      this.schedule();
    });
    return this.running;
  }

  /** Milliseconds until the next source is due (the longest wait if none is). */
  nextDelay(): number {
    const now = this.deps.clock.now().getTime();
    let wait = this.deps.maxWaitMs ?? HOUR;
    for (const source of this.deps.store.list()) {
      if (source.pollMinutes <= 0) continue;
      const last = source.polledAt === null ? 0 : Date.parse(source.polledAt);
      wait = Math.min(wait, Math.max(0, last + source.pollMinutes * 60_000 - now));
    }
    return wait;
  }

  private schedule(): void {
    if (this.stopping.signal.aborted) return;
    clearTimeout(this.timer);
    // At least a second between rounds: a source whose poll fails is not hammered.
    this.timer = setTimeout(() => void this.tick(), Math.max(1000, this.nextDelay()));
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.prunedAt >= DAY) {
      this.prunedAt = now;
      const pruned = this.deps.store.pruneDeliveries(
        new Date(now - this.deps.deliveriesDays * DAY),
      );
      if (pruned > 0) this.deps.logger.info('deleted old git webhook deliveries', { pruned });
    }
    for (const source of this.deps.store.list()) {
      if (this.stopping.signal.aborted) return;
      if (source.pollMinutes <= 0) continue;
      const last = source.polledAt === null ? 0 : Date.parse(source.polledAt);
      if (now - last < source.pollMinutes * 60_000) continue;
      await this.deps.triggers.poll(source, this.stopping.signal).catch((error: unknown) => {
        this.deps.logger.warn('polling a git source failed', {
          source: source.name,
          error: describeError(error),
        });
      });
    }
  }
}
