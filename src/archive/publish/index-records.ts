// What publishing keeps: each distribution's revisions, the entries of its indices, the
// compressed segments and the generations written (db/archive-index-repository.ts).

export interface DistState {
  name: string;
  repository: string;
  revision: number;
  publishedRevision: number;
  generation: number;
  releaseDate: string | null;
  validUntil: string | null;
  publishedAt: string | null;
}

/**
 * One entry of an index as listed for publishing: its row, sort key and text digest. The
 * listings carry no text (megabytes for a big archive): a publish reads the text of the
 * few entries whose segment changed, by id (entryTexts).
 */
export interface IndexEntryRef {
  /** The row holding the text: archive_binaries (Packages, Contents) or archive_sources. */
  id: number;
  key: string;
  digest: string;
  /** The name of the source the entry belongs to (a publish re-reads changed sources). */
  source?: string;
}

export interface BinaryEntryRef extends IndexEntryRef {
  contentsDigest: string;
}

/** One entry of an index with its cached text. */
export interface IndexEntry extends IndexEntryRef {
  text: string;
}

/** Which text of a row an index shows. */
export type IndexText = 'stanza' | 'contents' | 'source';

export interface GenerationRecord {
  distribution: string;
  generation: number;
  revision: number;
  publishedAt: string;
  files: PublishedFile[];
  retiredAt: string | null;
}

export interface PublishedFile {
  path: string;
  size: number;
  sha256: string;
  /**
   * Recorded by generations published before the Release listed SHA256 only; their by-hash
   * files keep this second name while they are retained.
   */
  sha512?: string;
  /**
   * Listed in the Release but not written: a big index's plain form (as in Debian's
   * archive). apt looks an index up by its plain name and checks what it decompressed
   * against that entry; it downloads a compressed form.
   */
  unserved?: true;
}

export interface SegmentRecord {
  key: string;
  raw: Buffer;
  deflate: Buffer;
  xz: Buffer | null;
  crc32: number;
}

/**
 * A segment as a publish keeps it in memory: compressed, with its text's length and CRC-32
 * (the text itself is in the SegmentFile).
 */
export type CompressedSegment = Omit<SegmentRecord, 'raw'> & { size: number };
