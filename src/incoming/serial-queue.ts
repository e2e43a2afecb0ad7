import type { Logger } from '../shared/logger.js';

/** Runs jobs one after another; a failing job is logged and does not stop the rest. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly logger: Logger) {}

  get length(): number {
    return this.pending;
  }

  push(job: () => Promise<void> | void): void {
    void this.run(job).catch(() => undefined);
  }

  /** Queues a job and resolves (or rejects) with it. */
  run(job: () => Promise<void> | void): Promise<void> {
    this.pending++;
    const result = this.tail.then(job);
    this.tail = result.then(
      () => this.done(),
      (error: unknown) => {
        this.logger.error('incoming job failed', { err: error });
        this.done();
      },
    );
    return result;
  }

  /** Resolves once the queue is empty. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private done(): void {
    this.pending--;
    if (this.pending === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }
}
