/** Counts what each client address holds (sessions, passive listeners) up to a limit. */
export class AddressLimit {
  private readonly counts = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Counts one more for `key`; false, counting nothing, when it holds the limit already. */
  take(key: string): boolean {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.limit) return false;
    this.counts.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    const count = (this.counts.get(key) ?? 0) - 1;
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
