/**
 * What a form post leaves for the page it redirects to (Post/Redirect/Get): kept in
 * memory per session and page path, taken by that page's next GET, gone after a few
 * minutes unread. Outcomes may carry a secret shown once (a new token, a password): they
 * are never written anywhere.
 */
export class FlashStore<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 5 * 60_000,
    private readonly max = 1000,
  ) {}

  put(session: string, path: string, value: T): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
    const key = keyOf(session, path);
    this.entries.delete(key);
    this.entries.set(key, { value, expires: now + this.ttlMs });
    // The oldest go first when too many are unread.
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  take(session: string, path: string): T | undefined {
    const key = keyOf(session, path);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    return entry.expires > this.now() ? entry.value : undefined;
  }
}

function keyOf(session: string, path: string): string {
  return `${session}\n${path}`;
}
