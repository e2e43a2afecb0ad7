// The archive's packages as stored: pool files, sources, binaries and which distribution
// holds which version, and what the queries over them answer (db/archive-packages-repository.ts,
// db/archive-query-repository.ts).

export interface PoolFileRecord {
  id: number;
  repository: string;
  path: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

export interface SourceRecord {
  id: number;
  repository: string;
  name: string;
  version: string;
  component: string;
  /** Rendered Sources stanza; null for a binary-only source record. */
  stanza: string | null;
  digest: string | null;
}

export interface BinaryRecord {
  id: number;
  sourceId: number;
  package: string;
  version: string;
  architecture: string;
  fileId: number;
  stanza: string;
  digest: string;
  /** "path<TAB>section/package" lines, sorted by path. */
  contents: string;
  contentsDigest: string;
}

/** What the indices show of a binary: its Packages stanza and Contents lines, with digests. */
export type BinaryIndexTexts = Pick<
  BinaryRecord,
  'stanza' | 'digest' | 'contents' | 'contentsDigest'
>;

export interface PlacementRecord {
  distribution: string;
  repository: string;
  sourceName: string;
  sourceId: number;
  version: string;
  placedAt: string;
}

export interface PlacedBinary {
  package: string;
  version: string;
  architecture: string;
  path: string;
}

/** A binary package of a source version with its .deb's size and the files it installs. */
export interface BinaryDetail extends PlacedBinary {
  size: number;
  /** The Installed-Size field (KiB), if the package has one. */
  installedKiB: number | null;
  /** The paths it installs (from its Contents lines), sorted. */
  files: string[];
}

export interface PlacedSourceRow {
  repository: string;
  distribution: string;
  source: string;
  version: string;
  component: string;
  hasDsc: boolean;
  placedAt: string;
  /** Its Sources stanza (null: no .dsc). */
  stanza: string | null;
}

/** A source version a distribution holds (for build-missing). */
export interface HeldSourceRow {
  source: string;
  version: string;
  stanza: string | null;
  /** The architectures of its binaries (`all` included). */
  architectures: string[];
}
