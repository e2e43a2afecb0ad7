import type { GitSourcesRepository } from '../../db/git-sources-repository.js';
import type { Clock } from '../../shared/clock.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { GitTriggers } from './git-triggers.js';

export interface GitPollerDeps {
  store: Pick<GitSourcesRepository, 'list'>;
  triggers: Pick<GitTriggers, 'poll'>;
  clock: Clock;
  logger: Logger;
  /** How often it looks for sources due (a minute; tests less). */
  tickMs: number;
}

/** Polls each source with a poll interval once that interval has passed since its last poll. */
export class GitPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: GitPollerDeps) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.deps.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort(new Error('the daemon is stopping'));
    await this.running;
  }

  /** Polls the sources that are due (one round at a time). */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const now = this.deps.clock.now().getTime();
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
