import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { BinaryEntryRef, IndexEntryRef } from './index-records.js';

/** The lists of one distribution as of a published revision, by list name. */
interface Known {
  revision: number;
  lists: Map<string, Listing>;
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
  private readonly lists = new Map<string, Listing>();
  /** The rows re-read for a list in this publish (a Contents list takes its binaries'). */
  private readonly fresh = new Map<string, IndexEntryRef[]>();

  constructor(
    private readonly index: ArchiveIndexRepository,
    private readonly dist: string,
    private readonly previous: ReadonlyMap<string, Listing>,
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
    const binaryList = `${component}/binary-${arch}`;
    const binaries = this.list(binaryList, (sources) =>
      this.index.binaryEntries(this.dist, component, arch, sources),
    );
    if (second.startsWith('binary-')) return binaries;
    // The Contents list follows its binaries' list, its entries kept like theirs.
    return this.list(`${component}/Contents-${arch}`, (sources) => {
      const only = sources && new Set(sources);
      const rows = only
        ? (this.fresh.get(binaryList) ?? binaries.filter((b) => only.has(b.source!)))
        : binaries;
      return (rows as BinaryEntryRef[]).map(({ id, key, contentsDigest, source }) => ({
        id,
        key,
        digest: contentsDigest,
        source,
      }));
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
    if (list) return list.entries;
    list = this.previous.get(name);
    if (list && this.changed) {
      if (this.changed.size > 0) {
        const fresh = read([...this.changed]);
        this.fresh.set(name, fresh);
        list.replace(this.changed, fresh);
      }
    } else {
      list = new Listing(read());
    }
    this.lists.set(name, list);
    return list.entries;
  }
}

/** Changes up to this many entries are spliced into a list; more merge it whole. */
const SPLICE_LIMIT = 512;

/** A listing of one index, sorted by key, with its entries by source once a change needs it. */
export class Listing {
  private bySource: Map<string, IndexEntryRef[]> | undefined;

  constructor(readonly entries: IndexEntryRef[]) {}

  /**
   * Replaces the entries of the `changed` sources with `fresh` (theirs now, sorted by key in
   * bytes: SQLite's ORDER BY). A small change is spliced in place, found by binary search:
   * the work follows the change, not the list.
   */
  replace(changed: ReadonlySet<string>, fresh: readonly IndexEntryRef[]): void {
    const bySource = this.sources();
    const gone = [...changed].flatMap((name) => bySource.get(name) ?? []);
    if (gone.length + fresh.length > SPLICE_LIMIT) {
      this.mergeWhole(changed, fresh);
      return;
    }
    const { entries } = this;
    for (const entry of gone) {
      let at = lowerBound(entries, entry.key);
      while (at < entries.length && entries[at] !== entry) at++;
      if (at === entries.length) throw new Error(`index entry ${entry.key} is not in its listing`);
      entries.splice(at, 1);
    }
    for (const name of changed) bySource.delete(name);
    for (const entry of fresh) {
      entries.splice(upperBound(entries, entry.key), 0, entry);
      const list = bySource.get(entry.source!);
      if (list) list.push(entry);
      else bySource.set(entry.source!, [entry]);
    }
  }

  private mergeWhole(changed: ReadonlySet<string>, fresh: readonly IndexEntryRef[]): void {
    const out: IndexEntryRef[] = [];
    let j = 0;
    for (const entry of this.entries) {
      if (changed.has(entry.source!)) continue;
      while (j < fresh.length && compareBytes(fresh[j]!.key, entry.key) < 0) out.push(fresh[j++]!);
      out.push(entry);
    }
    while (j < fresh.length) out.push(fresh[j++]!);
    this.entries.splice(0, this.entries.length, ...out);
    this.bySource = undefined;
  }

  private sources(): Map<string, IndexEntryRef[]> {
    if (this.bySource) return this.bySource;
    const bySource = new Map<string, IndexEntryRef[]>();
    for (const entry of this.entries) {
      const list = bySource.get(entry.source!);
      if (list) list.push(entry);
      else bySource.set(entry.source!, [entry]);
    }
    return (this.bySource = bySource);
  }
}

/** The first position whose key is not below `key`. */
function lowerBound(entries: readonly IndexEntryRef[], key: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(entries[mid]!.key, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position whose key is above `key` (an equal key goes after those there). */
function upperBound(entries: readonly IndexEntryRef[], key: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(entries[mid]!.key, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
