import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { BinaryEntryRef, IndexEntryRef } from './index-records.js';

/** The lists of one distribution as of a published revision, by list name. */
interface Known {
  revision: number;
  lists: Map<string, IndexEntryRef[]>;
}

/** Distributions whose listings are kept, the least recently published dropped first. */
const KEEP_DISTS = 16;

/**
 * The entry listings of the indices published last, kept between publishes: a daemon's
 * next publish of a distribution re-reads only the entries of the sources changed since
 * (archive_dirty_sources) and merges them in, instead of listing every entry of a big
 * suite again. The lists hold the same entry objects from publish to publish, so the
 * segments of an unchanged range are recognised without hashing (segmentEntries).
 * Valid only for the revision this process published last; anything else reads afresh.
 */
export class IndexListings {
  private readonly byDist = new Map<string, Known>();

  constructor(private readonly index: ArchiveIndexRepository) {}

  /**
   * Starts listing the indices of `dist` (inside the publisher's read snapshot), whose
   * current generation shows revision `published`. The kept lists are taken out: a publish
   * that fails leaves none behind.
   */
  begin(dist: string, published: number): ListingRead {
    const known = this.byDist.get(dist);
    this.byDist.delete(dist);
    let changed: Set<string> | null = null;
    if (known && known.revision === published) {
      const names = this.index.dirtySources(dist, known.revision);
      if (!names.includes('')) changed = new Set(names);
    }
    return new ListingRead(this.index, dist, changed ? known!.lists : new Map(), changed, (k) =>
      this.keep(dist, k),
    );
  }

  private keep(dist: string, known: Known): void {
    this.byDist.delete(dist);
    this.byDist.set(dist, known);
    for (const name of this.byDist.keys()) {
      if (this.byDist.size <= KEEP_DISTS) break;
      this.byDist.delete(name);
    }
  }
}

/** The listings of one publish: entries(basePath) for each index, then done(revision). */
export class ListingRead {
  private readonly lists = new Map<string, IndexEntryRef[]>();

  constructor(
    private readonly index: ArchiveIndexRepository,
    private readonly dist: string,
    private readonly previous: ReadonlyMap<string, IndexEntryRef[]>,
    /** The sources changed since `previous`; null: read everything. */
    private readonly changed: ReadonlySet<string> | null,
    private readonly onDone: (known: Known) => void,
  ) {}

  /** The entries of an index (by base path: main/binary-amd64/Packages, …), sorted by key. */
  entries(basePath: string): IndexEntryRef[] {
    const [component, second] = basePath.split('/') as [string, string];
    if (second === 'source') {
      return this.list(`${component}/source`, (sources) =>
        this.index.sourcesEntries(this.dist, component, sources),
      );
    }
    const arch = second.startsWith('binary-')
      ? second.slice('binary-'.length)
      : second.slice('Contents-'.length);
    const binaries = this.list(`${component}/binary-${arch}`, (sources) =>
      this.index.binaryEntries(this.dist, component, arch, sources),
    ) as BinaryEntryRef[];
    if (second.startsWith('binary-')) return binaries;
    // The Contents list follows its binaries' list, its entries kept like theirs.
    return this.list(`${component}/Contents-${arch}`, (sources) => {
      const only = sources && new Set(sources);
      return (only ? binaries.filter((b) => only.has(b.source!)) : binaries).map(
        ({ id, key, contentsDigest, source }) => ({ id, key, digest: contentsDigest, source }),
      );
    });
  }

  /**
   * Keeps the lists for the next publish of the distribution (at `revision`): those read
   * now, and the kept ones of indices this publish did not rebuild (they did not change).
   */
  done(revision: number): void {
    for (const [name, list] of this.previous) if (!this.lists.has(name)) this.lists.set(name, list);
    this.onDone({ revision, lists: this.lists });
  }

  private list(
    name: string,
    read: (sources?: readonly string[]) => IndexEntryRef[],
  ): IndexEntryRef[] {
    let list = this.lists.get(name);
    if (list) return list;
    const old = this.previous.get(name);
    if (old && this.changed) {
      list =
        this.changed.size === 0 ? old : mergeChanged(old, this.changed, read([...this.changed]));
    } else {
      list = read();
    }
    this.lists.set(name, list);
    return list;
  }
}

/**
 * `old` without the entries of the `changed` sources, merged with `fresh` (theirs now);
 * both sorted by key in bytes (SQLite's order: ORDER BY key).
 */
export function mergeChanged(
  old: readonly IndexEntryRef[],
  changed: ReadonlySet<string>,
  fresh: readonly IndexEntryRef[],
): IndexEntryRef[] {
  const out: IndexEntryRef[] = [];
  let j = 0;
  for (const entry of old) {
    if (changed.has(entry.source!)) continue;
    while (j < fresh.length && compareBytes(fresh[j]!.key, entry.key) < 0) out.push(fresh[j++]!);
    out.push(entry);
  }
  while (j < fresh.length) out.push(fresh[j++]!);
  return out;
}

/** Compares strings as their UTF-8 bytes (UTF-16 code units differ only above U+D7FF). */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 || y >= 0xd800) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x - y;
  }
  return a.length - b.length;
}
