import { serializeField } from './deb822.js';
import type { FileHashes } from './hashing.js';

/** One index file listed in a Release file, path relative to the Release's folder. */
export interface ReleaseFile {
  path: string;
  hashes: Pick<FileHashes, 'size'> & Partial<Omit<FileHashes, 'size'>>;
}

export type ReleaseHash = 'MD5Sum' | 'SHA1' | 'SHA256' | 'SHA512';

export interface ReleaseOptions {
  origin?: string;
  label?: string;
  suite?: string;
  version?: string;
  codename?: string;
  /** Written as RFC 2822 in UTC (`Sat, 01 Mar 2025 10:00:00 UTC`). */
  date: Date;
  validUntil?: Date;
  /** `NotAutomatic: yes` (apt does not upgrade to it unless asked). */
  notAutomatic?: boolean;
  /** `ButAutomaticUpgrades: yes` (with notAutomatic: upgrades of installed packages). */
  butAutomaticUpgrades?: boolean;
  /** `Acquire-By-Hash: yes`: clients may fetch indices under by-hash/. */
  acquireByHash?: boolean;
  architectures: readonly string[];
  components: readonly string[];
  description?: string;
  /** Checksum sections to write; default SHA256 only, as Debian's archive (with MD5Sum). */
  hashSections?: readonly ReleaseHash[];
  /** Uncompressed and compressed indices; listed sorted by path. */
  files: readonly ReleaseFile[];
}

const HASH_KEY: Record<ReleaseHash, 'md5' | 'sha1' | 'sha256' | 'sha512'> = {
  MD5Sum: 'md5',
  SHA1: 'sha1',
  SHA256: 'sha256',
  SHA512: 'sha512',
};

/** `Sat, 01 Mar 2025 10:00:00 UTC`, as apt writes Release dates. */
export function formatReleaseDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, 'UTC');
}

/** A Release file in dpkg's field order (CTRL_REPO_RELEASE), sizes padded as apt-ftparchive. */
export function renderRelease(options: ReleaseOptions): string {
  const fields: [string, string | undefined][] = [
    ['Origin', options.origin],
    ['Label', options.label],
    ['Suite', options.suite],
    ['Version', options.version],
    ['Codename', options.codename],
    ['Date', formatReleaseDate(options.date)],
    ['Valid-Until', options.validUntil && formatReleaseDate(options.validUntil)],
    ['NotAutomatic', options.notAutomatic ? 'yes' : undefined],
    ['ButAutomaticUpgrades', options.butAutomaticUpgrades ? 'yes' : undefined],
    ['Acquire-By-Hash', options.acquireByHash ? 'yes' : undefined],
    ['Architectures', options.architectures.join(' ')],
    ['Components', options.components.join(' ')],
    ['Description', options.description],
  ];
  let out = '';
  for (const [name, value] of fields) if (value !== undefined) out += serializeField(name, value);
  const files = [...options.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const section of options.hashSections ?? ['SHA256']) {
    const key = HASH_KEY[section];
    out += `${section}:\n`;
    for (const file of files) {
      const hash = file.hashes[key];
      if (!hash) throw new TypeError(`Release: no ${section} given for ${file.path}`);
      out += ` ${hash} ${String(file.hashes.size).padStart(16)} ${file.path}\n`;
    }
  }
  return out;
}
