import { crc32 } from 'node:zlib';
import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type {
  CompressedSegment,
  IndexEntry,
  IndexEntryRef,
  IndexText,
  SegmentRecord,
} from './index-records.js';
import type { Clock } from '../../shared/clock.js';
import type { XzCompressor } from '../ports.js';
import { crc32Combine, deflateSegment, joinGzip } from './gzip-members.js';
import { DigestThread } from './digest-thread.js';
import { chunksOf, PrefixDigests } from './prefix-digests.js';
import { RecentSegments } from './recent-segments.js';
import { readPlaces, SegmentFile } from './segment-file.js';
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
  cached: Map<string, CompressedSegment>;
  /**
   * Segments to compress now: their texts were rendered into the SegmentFile, and the first
   * few megabytes are held in memory too (`raw`), not read back (what a small index needs).
   */
  fresh: { key: string; raw?: Buffer }[];
}

export interface IndexBuilderDeps {
  index: ArchiveIndexRepository;
  xz: XzCompressor;
  clock: Clock;
  /** Packages and Sources larger than this get no uncompressed file (0: none does). */
  uncompressedIndexBytes: number;
  /** Where the segments' texts are kept meanwhile (a folder on disk, see SegmentFile). */
  scratch: string;
  /**
   * The SegmentFile is emptied once it is this many bytes bigger than twice the texts of
   * the indices last built (default SEGMENT_FILE_SLACK; tests: -Infinity, after every build).
   */
  segmentFileSlack?: number;
  /** The DigestThread's script (default: the built one beside this; tests name dist's). */
  digestScript?: URL;
  /** Fresh texts held in memory from plan to build (default HELD_TEXT_BYTES; tests: 0). */
  heldTextBytes?: number;
}

// CRC64, as `xz` uses by default; only needed for an index with no segment at all.
const DEFAULT_XZ_FLAGS = Buffer.from([0x00, 0x04]);

/**
 * Compressed segments kept in memory between publishes (RecentSegments), in bytes at most.
 * Room for every current index of a Debian-sized suite (63,000 packages: about 80 MB of
 * gzip and xz segments): an index that does not fit is read back from the database and has
 * its segments touched on every publish, work that grows with the archive.
 */
const RECENT_SEGMENT_BYTES = 192 << 20;

/** Indices whose segments are kept for the next plan of each (least recent dropped). */
const LAST_SEGMENTS = 64;

/** Entries whose texts are read and rendered at a time when planning. */
const RENDER_BATCH = 2048;

/** Segment texts being compressed at a time (each read back from the SegmentFile). */
const COMPRESSING_TEXTS = 8;

/** Fresh segments' texts held in memory from plan to build, in bytes at most. */
const HELD_TEXT_BYTES = 16 << 20;

/** Bytes of fresh segments' texts saved to the database in one transaction. */
const SAVE_BYTES = 8 << 20;

/**
 * The SegmentFile is emptied once it is this much bigger than twice the texts of the
 * indices last built (replaced segments' texts stay in it); the next build of each index
 * then reads its segments' texts back from the database once.
 */
const SEGMENT_FILE_SLACK = 64 << 20;

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
  /** Segment texts read back for compressing (a bulk publish's would be the whole index). */
  private readonly texts = new Slots(COMPRESSING_TEXTS);
  private readonly recent = new RecentSegments(RECENT_SEGMENT_BYTES);
  /** The segments of the indices planned last (by name), for segmentEntries to reuse. */
  private readonly lastSegments = new Map<string, Segment[]>();
  /** The texts' length of the indices planned last (by name): what the SegmentFile needs. */
  private readonly lastSizes = new Map<string, number>();
  private readonly segmentFile: SegmentFile;
  /** Hashes big plain files; none when run from the sources (then they are hashed here). */
  private readonly thread: DigestThread | undefined;
  /** Builds (and their plain files' hashing) reading the SegmentFile. */
  private reading = 0;
  /** Bytes of fresh texts held by plans not built yet (HELD_TEXT_BYTES). */
  private held = 0;

  constructor(private readonly deps: IndexBuilderDeps) {
    this.segmentFile = new SegmentFile(deps.scratch);
    this.thread = DigestThread.create(deps.digestScript);
  }

  /**
   * Run inside a read transaction: what is cached, what must be compressed. Build the plan
   * in the same turn of the event loop (the SegmentFile it wrote is kept until then).
   */
  plan(kind: IndexKind, basePath: string, name: string, entries: IndexEntryRef[]): IndexPlan {
    const segments = segmentEntries(kind, entries, this.lastSegments.get(name));
    remember(this.lastSegments, name, segments);
    const keys = segments.map((s) => s.key);
    const cached = this.recent.find(name, keys);
    const unknown = keys.filter((k) => !cached.has(k));
    const file = this.segmentFile;
    for (const [key, { raw, ...record }] of this.deps.index.segments(unknown)) {
      cached.set(key, { ...record, size: raw.length });
      if (kind !== 'contents') file.put(key, raw);
    }
    // A plain file is hashed from the segments' texts (after the SegmentFile was emptied,
    // those of segments still cached in memory are read back from the database).
    if (kind !== 'contents') {
      const absent = [...cached.keys()].filter((k) => !file.has(k));
      for (const [key, raw] of this.deps.index.segmentTexts(absent)) file.put(key, raw);
    }
    const missing = new Map<string, Segment>();
    for (const s of segments) if (!cached.has(s.key)) missing.set(s.key, s);
    // The texts are read and rendered a batch of segments at a time into the SegmentFile: a
    // bulk publish renders every segment, the whole index.
    const fresh: IndexPlan['fresh'] = [];
    let batch: Segment[] = [];
    let size = 0;
    const render = () => {
      const ids = batch.flatMap((s) => s.entries.map((e) => e.id));
      const texts = this.deps.index.entryTexts(TEXT_OF[kind], ids);
      for (const s of batch) {
        const entries: IndexEntry[] = s.entries.map((e) => ({ ...e, text: textOf(texts, e.id) }));
        const raw = Buffer.from(renderSegment(kind, entries));
        file.put(s.key, raw);
        const held = this.held + raw.length <= (this.deps.heldTextBytes ?? HELD_TEXT_BYTES);
        if (held) this.held += raw.length;
        fresh.push(held ? { key: s.key, raw } : { key: s.key });
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
    // Counted from the first step, in the turn the plan was made (see plan()).
    this.reading++;
    const { kind, cached } = plan;
    const compressed = this.compress(plan, signal);
    compressed.catch(() => undefined); // awaited below; not unhandled if hashing throws first
    let plain: BuiltFile | null = null;
    try {
      // The uncompressed text is known before its segments are compressed: it is hashed
      // while they compress on the thread pool. The other indices being built start their
      // compressions first (they run up to here before this resumes).
      await undefined;
      plain = kind === 'contents' ? null : await this.plain(plan);
      const fresh = await compressed;
      for (const record of fresh) cached.set(record.key, record);
      const now = this.deps.clock.now();
      const freshKeys = new Set(fresh.map((f) => f.key));
      const due = this.recent.due(
        plan.name,
        plan.segments.map((s) => s.key).filter((k) => !freshKeys.has(k)),
        now.getTime(),
      );
      this.deps.index.touchSegments(due, now);
      const records = plan.segments.map((s) => cached.get(s.key)!);
      this.recent.remember(plan.name, records, new Set([...freshKeys, ...due]), now.getTime());
      remember(
        this.lastSizes,
        plan.name,
        records.reduce((n, r) => n + r.size, 0),
      );
      return this.assemble(plan, records, plain);
    } finally {
      for (const { raw } of plan.fresh) this.held -= raw?.length ?? 0;
      // The compressions and the plain file's hash read the SegmentFile; the hash goes on
      // after the build has returned.
      void Promise.allSettled([compressed, plain?.sha256()]).then(() => this.doneReading());
    }
  }

  /** Compresses the fresh segments, saving them to the database a few megabytes at a time. */
  private async compress(plan: IndexPlan, signal?: AbortSignal): Promise<CompressedSegment[]> {
    const { kind } = plan;
    const now = this.deps.clock.now();
    let unsaved: SegmentRecord[] = [];
    let unsavedBytes = 0;
    const save = () => {
      this.deps.index.saveSegments(unsaved, now);
      unsaved = [];
      unsavedBytes = 0;
    };
    // Every compression ends before this does, after a failure too: none may read the
    // SegmentFile or save a segment once the build is over.
    const outcomes = await Promise.allSettled(
      plan.fresh.map(({ key, raw: held }) =>
        this.texts.run(async () => {
          signal?.throwIfAborted();
          const raw = held ?? (await this.segmentFile.get(key));
          const [deflate, xz] = await Promise.all([
            this.compressing.run(async () => {
              signal?.throwIfAborted();
              return deflateSegment(raw);
            }),
            kind === 'contents'
              ? null
              : this.compressing.run(() =>
                  this.deps.xz.xz(raw, signal).then((b) => Buffer.from(b)),
                ),
          ]);
          const record = { key, raw, deflate, xz, crc32: crc32(raw) };
          unsaved.push(record);
          unsavedBytes += raw.length;
          if (unsavedBytes >= SAVE_BYTES) save();
          return { key, deflate, xz, crc32: record.crc32, size: raw.length };
        }),
      ),
    );
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    if (unsaved.length > 0) save();
    return outcomes.map((o) => (o as PromiseFulfilledResult<CompressedSegment>).value);
  }

  /** The plain file, its hash started: read from the SegmentFile, held only if it is served. */
  private async plain(plan: IndexPlan): Promise<BuiltFile> {
    const { basePath, name, segments, cached } = plan;
    const keys = segments.map((s) => s.key);
    const sizes = new Map(plan.fresh.map(({ key }) => [key, this.segmentFile.sizeOf(key)]));
    const size = keys.reduce((n, k) => n + (cached.get(k)?.size ?? sizes.get(k)!), 0);
    let file: BuiltFile;
    if (size > this.deps.uncompressedIndexBytes) {
      let sha256: Promise<string> | undefined;
      file = {
        path: basePath,
        parts: [],
        size,
        unserved: true,
        sha256: () => (sha256 ??= this.plainDigest(name, keys)),
      };
    } else {
      const held = new Map(plan.fresh.flatMap(({ key, raw }) => (raw ? [[key, raw]] : [])));
      const read = await this.segmentFile.readAll(keys.filter((k) => !held.has(k)));
      let next = 0;
      const parts = keys.map((k) => held.get(k) ?? read[next++]!);
      file = this.file(basePath, name, parts, keys, 0);
    }
    file.sha256().catch(() => undefined); // started now, awaited with the others
    return file;
  }

  /** A big plain file's SHA-256, on the DigestThread where there is one. */
  private plainDigest(name: string, keys: readonly string[]): Promise<string> {
    const at = this.segmentFile.locate(keys);
    if (this.thread) return this.thread.digest(name, keys, at);
    return this.digests.digest(name, { keys, from: (first) => readPlaces(at, first) }, []);
  }

  /** One build or hash fewer reading the SegmentFile: empties it if it has grown stale. */
  private doneReading(): void {
    if (--this.reading > 0) return;
    let live = 0;
    for (const size of this.lastSizes.values()) live += size;
    const slack = this.deps.segmentFileSlack ?? SEGMENT_FILE_SLACK;
    if (this.segmentFile.bytes > 2 * live + slack) this.segmentFile.clear();
  }

  private assemble(
    plan: IndexPlan,
    records: CompressedSegment[],
    plain: BuiltFile | null,
  ): BuiltFile[] {
    const { basePath, name } = plan;
    const keys = records.map((r) => r.key);
    let crc = 0;
    let length = 0;
    for (const r of records) {
      crc = crc32Combine(crc, r.crc32, r.size);
      length += r.size;
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
    const heads = parts.slice(0, head);
    const chunks = chunksOf(
      [...heads.map((data) => `head:${data.toString('hex')}`), ...keys],
      parts.slice(0, head + keys.length),
    );
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

/** Sets `name` in a map of the indices planned last, dropping the least recent beyond. */
function remember<T>(map: Map<string, T>, name: string, value: T): void {
  map.delete(name);
  map.set(name, value);
  for (const old of map.keys()) {
    if (map.size <= LAST_SEGMENTS) break;
    map.delete(old);
  }
}

function textOf(texts: Map<number, string>, id: number): string {
  const text = texts.get(id);
  if (text === undefined) throw new Error(`index entry ${id} has no text`);
  return text;
}
