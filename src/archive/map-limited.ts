/**
 * Runs `fn` over the items with at most `limit` at a time. After a failure no further item
 * starts, and the failure is thrown once the items under way have ended: the caller's
 * clean-up never races them.
 */
export async function mapLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/** At most `size` tasks at a time, the rest waiting in order. */
export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // A finished task hands its slot to the next waiting one directly: a caller arriving
      // before that one resumes must not take it too.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
