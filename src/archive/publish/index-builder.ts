import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type {
  ArchiveIndexRepository,
  IndexEntry,
  SegmentRecord,
} from '../../db/archive-index-repository.js';
import type { Clock } from '../../shared/clock.js';
import type { XzCompressor } from '../ports.js';
import { deflateSegment, joinGzip } from './gzip-members.js';
import { renderSegment, segmentEntries, type IndexKind } from './segments.js';
import { joinXz, xzBlocks } from './xz-blocks.js';
import { mapLimited } from '../map-limited.js';

/** One file of an index (Packages, Packages.gz, …) as buffers to write, with its digests. */
export interface BuiltFile {
  path: string;
  parts: Buffer[];
  size: number;
  sha256: string;
  sha512: string;
}

export interface IndexBuilderDeps {
  index: ArchiveIndexRepository;
  xz: XzCompressor;
  clock: Clock;
}

// CRC64, as `xz` uses by default; only needed for an index with no segment at all.
const DEFAULT_XZ_FLAGS = Buffer.from([0x00, 0x04]);

/**
 * Builds the files of one index from its entries, compressing only segments whose content
 * address is not cached yet; everything else is concatenation.
 */
export class IndexBuilder {
  constructor(private readonly deps: IndexBuilderDeps) {}

  async build(
    kind: IndexKind,
    basePath: string,
    entries: readonly IndexEntry[],
    signal?: AbortSignal,
  ): Promise<BuiltFile[]> {
    const segments = segmentEntries(kind, entries);
    const cached = this.deps.index.segments(segments.map((s) => s.key));
    const fresh: SegmentRecord[] = [];
    await mapLimited(
      segments.filter((s) => !cached.has(s.key)),
      2,
      async (s) => {
        signal?.throwIfAborted();
        const raw = Buffer.from(renderSegment(kind, s.entries));
        const [deflate, xz] = await Promise.all([
          deflateSegment(raw),
          kind === 'contents' ? null : this.deps.xz.xz(raw, signal).then((b) => Buffer.from(b)),
        ]);
        const record = { key: s.key, raw, deflate, xz, crc32: crc32(raw) };
        cached.set(s.key, record);
        fresh.push(record);
      },
    );
    const now = this.deps.clock.now();
    this.deps.index.saveSegments(fresh, now);
    this.deps.index.touchSegments(
      segments.map((s) => s.key).filter((k) => !fresh.some((f) => f.key === k)),
      now,
    );
    const records = segments.map((s) => cached.get(s.key)!);
    return assemble(kind, basePath, records);
  }
}

function assemble(kind: IndexKind, basePath: string, records: SegmentRecord[]): BuiltFile[] {
  const raw = records.map((r) => r.raw);
  let crc = 0;
  for (const r of raw) crc = crc32(r, crc);
  const length = raw.reduce((n, r) => n + r.length, 0);
  const gz = joinGzip(
    records.map((r) => r.deflate),
    crc,
    length,
  );
  if (kind === 'contents') return [digest(`${basePath}.gz`, gz)];
  const xz = joinXz(
    records.map((r) => xzBlocks(r.xz!)),
    DEFAULT_XZ_FLAGS,
  );
  return [digest(basePath, raw), digest(`${basePath}.gz`, gz), digest(`${basePath}.xz`, xz)];
}

function digest(path: string, parts: Buffer[]): BuiltFile {
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let size = 0;
  for (const p of parts) {
    sha256.update(p);
    sha512.update(p);
    size += p.length;
  }
  return { path, parts, size, sha256: sha256.digest('hex'), sha512: sha512.digest('hex') };
}
