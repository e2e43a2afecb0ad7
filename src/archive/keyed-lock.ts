import { UnavailableError } from '../shared/errors.js';

/**
 * Mutual exclusion per key (a distribution, a source name): holders of the same key run one
 * after another in arrival order, different keys run in parallel.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding every key (taken in sorted order, so two callers never deadlock). */
  async with<T>(
    keys: readonly string[],
    fn: () => Promise<T> | T,
    signal?: AbortSignal,
  ): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const key of sorted) releases.push(await this.acquire(key, signal));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** Whether anyone holds or waits for the key. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  private async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    const done = () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    if (!signal) {
      await previous;
      return done;
    }
    signal.throwIfAborted();
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () =>
        reject(new UnavailableError(`gave up waiting for ${key}: ${String(signal.reason)}`));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([previous, aborted]);
    } catch (error) {
      // Keep the queue intact: release our turn as soon as it comes.
      void previous.then(done);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return done;
  }
}
