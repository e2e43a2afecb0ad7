import { crc32 } from 'node:zlib';
import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { IndexEntry, IndexEntryRef, IndexText, SegmentRecord } from './index-records.js';
import type { Clock } from '../../shared/clock.js';
import type { XzCompressor } from '../ports.js';
import { crc32Combine, deflateSegment, joinGzip } from './gzip-members.js';
import { PrefixDigests } from './prefix-digests.js';
import { RecentSegments } from './recent-segments.js';
import { renderSegment, segmentEntries, type IndexKind, type Segment } from './segments.js';
import { joinXz, xzBlocks } from './xz-blocks.js';
import { Slots } from '../map-limited.js';

/** One file of an index (Packages, Packages.gz, …) as buffers to write. */
export interface BuiltFile {
  path: string;
  parts: Buffer[];
  size: number;
  /** Listed in the Release, not written (see PublishedFile). */
  unserved?: true;
  /**
   * Its SHA-256, hashed from the first call on: hashing what follows a change is most of an
   * add's work in a big index, so the writer starts writing the parts first and the two
   * overlap (GenerationWriter.stage).
   */
  sha256(): Promise<string>;
}

/** What building one index needs, read in the publisher's database snapshot. */
export interface IndexPlan {
  kind: IndexKind;
  basePath: string;
  /** Names the index across publishes (distribution and path), for PrefixDigests. */
  name: string;
  segments: Segment[];
  /** Segments compressed before, by content address. */
  cached: Map<string, SegmentRecord>;
  /** Segments to compress now, rendered (UTF-8: smaller than their entries' strings). */
  fresh: { key: string; raw: Buffer }[];
}

export interface IndexBuilderDeps {
  index: ArchiveIndexRepository;
  xz: XzCompressor;
  clock: Clock;
  /** Packages and Sources larger than this get no uncompressed file (0: none does). */
  uncompressedIndexBytes: number;
}

// CRC64, as `xz` uses by default; only needed for an index with no segment at all.
const DEFAULT_XZ_FLAGS = Buffer.from([0x00, 0x04]);

/**
 * Segments kept in memory between publishes (RecentSegments), in bytes at most. Room for
 * every current index of a Debian-sized suite (63,000 packages: about 190 MB of raw, gzip
 * and xz segments): an index that does not fit is read back from the database and has its
 * segments touched on every publish, work that grows with the archive.
 */
const RECENT_SEGMENT_BYTES = 320 << 20;

/** Indices whose segments are kept for the next plan of each (least recent dropped). */
const LAST_SEGMENTS = 64;

/** Entries whose texts are read and rendered at a time when planning. */
const RENDER_BATCH = 2048;

const TEXT_OF: Record<IndexKind, IndexText> = {
  packages: 'stanza',
  contents: 'contents',
  sources: 'source',
};

/**
 * Builds the files of one index from its entries, compressing only segments whose content
 * address is not cached yet; everything else is concatenation. Only the entries of those
 * segments are read with their text, so the work that grows with the index is listing
 * keys, joining the cached segments, and hashing the result.
 */
export class IndexBuilder {
  private readonly digests = new PrefixDigests();
  /**
   * Compressions under way, across every index being built: four, what the libuv thread
   * pool runs at once. Each holds a deflate or xz encoder's memory (on a bulk publish's
   * many indices, a limit per index let dozens run: ~30 MB more at the peak).
   */
  private readonly compressing = new Slots(4);
  private readonly recent = new RecentSegments(RECENT_SEGMENT_BYTES);
  /** The segments of the indices planned last (by name), for segmentEntries to reuse. */
  private readonly lastSegments = new Map<string, Segment[]>();

  constructor(private readonly deps: IndexBuilderDeps) {}

  /** Run inside a read transaction: what is cached, what must be compressed. */
  plan(kind: IndexKind, basePath: string, name: string, entries: IndexEntryRef[]): IndexPlan {
    const segments = segmentEntries(kind, entries, this.lastSegments.get(name));
    this.lastSegments.delete(name);
    this.lastSegments.set(name, segments);
    for (const old of this.lastSegments.keys()) {
      if (this.lastSegments.size <= LAST_SEGMENTS) break;
      this.lastSegments.delete(old);
    }
    const keys = segments.map((s) => s.key);
    const cached = this.recent.find(name, keys);
    const unknown = keys.filter((k) => !cached.has(k));
    for (const [key, record] of this.deps.index.segments(unknown)) cached.set(key, record);
    const missing = new Map<string, Segment>();
    for (const s of segments) if (!cached.has(s.key)) missing.set(s.key, s);
    // The texts are read and rendered a batch of segments at a time: a bulk publish renders
    // every segment, and all entries' texts at once would hold the whole index as strings.
    const fresh: IndexPlan['fresh'] = [];
    let batch: Segment[] = [];
    let size = 0;
    const render = () => {
      const ids = batch.flatMap((s) => s.entries.map((e) => e.id));
      const texts = this.deps.index.entryTexts(TEXT_OF[kind], ids);
      for (const s of batch) {
        const entries: IndexEntry[] = s.entries.map((e) => ({ ...e, text: textOf(texts, e.id) }));
        fresh.push({ key: s.key, raw: Buffer.from(renderSegment(kind, entries)) });
      }
      batch = [];
      size = 0;
    };
    for (const s of missing.values()) {
      batch.push(s);
      size += s.entries.length;
      if (size >= RENDER_BATCH) render();
    }
    if (batch.length > 0) render();
    return { kind, basePath, name, segments, cached, fresh };
  }

  async build(plan: IndexPlan, signal?: AbortSignal): Promise<BuiltFile[]> {
    const { kind, cached } = plan;
    const fresh: SegmentRecord[] = [];
    const compressed = Promise.all(
      plan.fresh.map(async (s) => {
        const { raw } = s;
        const [deflate, xz] = await Promise.all([
          this.compressing.run(async () => {
            signal?.throwIfAborted();
            return deflateSegment(raw);
          }),
          kind === 'contents'
            ? null
            : this.compressing.run(() => this.deps.xz.xz(raw, signal).then((b) => Buffer.from(b))),
        ]);
        return { key: s.key, raw, deflate, xz, crc32: crc32(raw) };
      }),
    );
    // The uncompressed text is known before its segments are compressed: it is hashed while
    // they compress on the thread pool. The other indices being built start their
    // compressions first (they run up to here before this resumes).
    compressed.catch(() => undefined); // awaited below; not unhandled if hashing throws first
    await undefined;
    const plain = this.plain(plan);
    for (const record of await compressed) {
      cached.set(record.key, record);
      fresh.push(record);
    }
    const now = this.deps.clock.now();
    this.deps.index.saveSegments(fresh, now);
    const freshKeys = new Set(fresh.map((f) => f.key));
    const due = this.recent.due(
      plan.name,
      plan.segments.map((s) => s.key).filter((k) => !freshKeys.has(k)),
      now.getTime(),
    );
    this.deps.index.touchSegments(due, now);
    const records = plan.segments.map((s) => cached.get(s.key)!);
    this.recent.remember(plan.name, records, new Set([...freshKeys, ...due]), now.getTime());
    return this.assemble(plan, records, plain);
  }

  /** The plain file (Contents has none), hashed now. */
  private plain(plan: IndexPlan): BuiltFile | null {
    const { kind, basePath, name, segments, cached } = plan;
    if (kind === 'contents') return null;
    const fresh = new Map(plan.fresh.map((s) => [s.key, s.raw]));
    const keys = segments.map((s) => s.key);
    const raw = keys.map((key) => cached.get(key)?.raw ?? fresh.get(key)!);
    const file = this.file(basePath, name, raw, keys, 0);
    file.sha256().catch(() => undefined); // started now, awaited with the others
    if (file.size > this.deps.uncompressedIndexBytes) file.unserved = true;
    return file;
  }

  private assemble(
    plan: IndexPlan,
    records: SegmentRecord[],
    plain: BuiltFile | null,
  ): BuiltFile[] {
    const { basePath, name } = plan;
    const keys = records.map((r) => r.key);
    let crc = 0;
    let length = 0;
    for (const r of records) {
      crc = crc32Combine(crc, r.crc32, r.raw.length);
      length += r.raw.length;
    }
    const gz = joinGzip(
      records.map((r) => r.deflate),
      crc,
      length,
    );
    const gzFile = this.file(`${basePath}.gz`, `${name}.gz`, gz, keys, 1);
    if (!plain) return [gzFile];
    const xz = joinXz(
      records.map((r) => xzBlocks(r.xz!)),
      DEFAULT_XZ_FLAGS,
    );
    return [plain, gzFile, this.file(`${basePath}.xz`, `${name}.xz`, xz, keys, 1)];
  }

  /** A file of `parts`: `head` parts, then one part per segment (keyed), then the rest. */
  private file(
    path: string,
    name: string,
    parts: Buffer[],
    keys: readonly string[],
    head: number,
  ): BuiltFile {
    const chunks = [
      ...parts.slice(0, head).map((data) => ({ key: `head:${data.toString('hex')}`, data })),
      ...keys.map((key, i) => ({ key, data: parts[head + i]! })),
    ];
    const tail = parts.slice(head + keys.length);
    let sha256: Promise<string> | undefined;
    return {
      path,
      parts,
      size: parts.reduce((n, p) => n + p.length, 0),
      sha256: () => (sha256 ??= this.digests.digest(name, chunks, tail)),
    };
  }
}

function textOf(texts: Map<number, string>, id: number): string {
  const text = texts.get(id);
  if (text === undefined) throw new Error(`index entry ${id} has no text`);
  return text;
}
