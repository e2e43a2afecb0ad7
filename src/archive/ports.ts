/**
 * What the archive needs from the layers below it, as small interfaces the archive owns.
 * The composition root plugs in the implementations (src/debian, src/pgp, node's fs).
 */

import type { ReleaseOptions, Stanza } from '../debian/index.js';

export interface FileDigests {
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

/** What the archive reads from one binary package. */
export interface DebInfo {
  control: Stanza;
  /** Paths of the regular files and symlinks it installs, without a leading `./` or `/`. */
  files: string[];
  digests: FileDigests;
}

/** One file named by a .dsc, with the checksums it states. */
export interface DscFileRef {
  name: string;
  size: number;
  md5?: string;
  sha1?: string;
  sha256?: string;
}

export interface DscInfo {
  /** The fields of the .dsc without any OpenPGP armour. */
  fields: Stanza;
  files: DscFileRef[];
  digests: FileDigests;
}

export interface PoolFileRef {
  /** The file name only. */
  name: string;
  digests: FileDigests;
}

/** Debian formats: reading packages, writing index stanzas, comparing versions. */
export interface ArchiveFormats {
  /** Size and MD5/SHA1/SHA256/SHA512 of a file, in one pass. */
  hashFile(file: string, signal?: AbortSignal): Promise<FileDigests>;
  readDeb(file: string, signal?: AbortSignal): Promise<DebInfo>;
  readDsc(file: string, signal?: AbortSignal): Promise<DscInfo>;
  /** A Packages stanza (no trailing blank line), as apt-ftparchive writes it. */
  packagesStanza(control: Stanza, filename: string, digests: FileDigests): string;
  /** A Sources stanza (no trailing blank line), as dpkg-scansources writes it. */
  sourcesStanza(dsc: Stanza, directory: string, dscFile: PoolFileRef): string;
  /** Negative, zero or positive, exactly as `dpkg --compare-versions`. */
  compareVersions(a: string, b: string): number;
  /** The text of a Release file. */
  releaseFile(release: ReleaseOptions): string;
  /**
   * The reads of one install are done: threads that read for it, and hold memory, may stop
   * now rather than when idle a while (a bulk's transaction keeps the event loop busy for
   * seconds, so an idle timer would fire only after it).
   */
  readsDone?(): Promise<void>;
}

/** Signs Release files with the instance key. */
export interface ReleaseSigner {
  /** The clear-signed text (InRelease). */
  clearSign(text: string, signal?: AbortSignal): Promise<string>;
  /** An armored detached signature (Release.gpg). */
  detachSign(text: string, signal?: AbortSignal): Promise<string>;
}

/** xz compression of one complete buffer (a single .xz stream). */
export interface XzCompressor {
  xz(data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
}
