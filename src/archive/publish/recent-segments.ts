import type { CompressedSegment } from './index-records.js';

/** How often a segment still in use has its `used_at` brought up to date, at most. */
const TOUCH_INTERVAL_MS = 3_600_000;

interface Remembered {
  record: CompressedSegment;
  /** When its used_at was last set (ms since the epoch). */
  touchedAt: number;
}

interface IndexSegments {
  segments: Map<string, Remembered>;
  bytes: number;
}

/**
 * The compressed segments of the indices built last, in memory, up to a budget of bytes (the
 * indices built longest ago are forgotten first). A daemon's next publish of a big index (tens of
 * megabytes of segments at Debian's size) joins them without reading them back from the
 * database, and sets their used_at at most hourly rather than on every publish: work that
 * grows with the archive, not with the change. Segments are content-addressed, so a
 * remembered one is never stale. A fresh process starts with none.
 */
export class RecentSegments {
  private readonly byIndex = new Map<string, IndexSegments>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  /** The remembered segments of `index` among `keys`. */
  find(index: string, keys: readonly string[]): Map<string, CompressedSegment> {
    const found = new Map<string, CompressedSegment>();
    const known = this.byIndex.get(index);
    if (!known) return found;
    for (const key of keys) {
      const r = known.segments.get(key);
      if (r) found.set(key, r.record);
    }
    return found;
  }

  /** Of `keys` (segments of `index` in use now), those whose used_at is due at `now`. */
  due(index: string, keys: readonly string[], now: number): string[] {
    const known = this.byIndex.get(index)?.segments;
    return keys.filter((k) => {
      const r = known?.get(k);
      return !r || now - r.touchedAt >= TOUCH_INTERVAL_MS;
    });
  }

  /** Remembers the segments `index` was built of; `touched` were stored or touched at `now`. */
  remember(
    index: string,
    records: readonly CompressedSegment[],
    touched: ReadonlySet<string>,
    now: number,
  ): void {
    const old = this.byIndex.get(index);
    this.forget(index);
    const segments = new Map<string, Remembered>();
    let bytes = 0;
    for (const record of records) {
      const touchedAt = touched.has(record.key)
        ? now
        : (old?.segments.get(record.key)?.touchedAt ?? now);
      segments.set(record.key, { record, touchedAt });
      bytes += record.deflate.length + (record.xz?.length ?? 0);
    }
    if (bytes > this.budget) return;
    this.byIndex.set(index, { segments, bytes });
    this.bytes += bytes;
    // Maps iterate in insertion order: the first entries were built longest ago.
    for (const name of this.byIndex.keys()) {
      if (this.bytes <= this.budget) break;
      this.forget(name);
    }
  }

  private forget(index: string): void {
    const known = this.byIndex.get(index);
    if (!known) return;
    this.bytes -= known.bytes;
    this.byIndex.delete(index);
  }
}
