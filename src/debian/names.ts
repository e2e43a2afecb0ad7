/** Package, architecture and file naming rules of Debian policy and the archive. */

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
const FILE_VERSION = '[A-Za-z0-9.+~-]+';
const PKG = '[a-z0-9][a-z0-9+.-]+';
const TAR_COMPRESSION = '(gz|bz2|xz|lzma)';

/** Policy 5.6.1/5.6.7: lowercase letters, digits, `+ - .`, at least two characters. */
export function isValidPackageName(name: string): boolean {
  return PACKAGE_NAME.test(name);
}

export function isValidArchitecture(arch: string): boolean {
  return ARCHITECTURE.test(arch);
}

/**
 * Why a file name listed in an upload is unsafe, or undefined when it is safe: a plain
 * name (no directories, no leading dot) made of the characters Debian file names use.
 */
export function unsafeFilenameReason(name: string): string | undefined {
  if (name === '') return 'empty file name';
  if (name.includes('/')) return `file name "${name}" contains "/"`;
  if (name.startsWith('.')) return `file name "${name}" starts with "."`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+~-]*$/.test(name)) {
    return `file name "${name}" contains characters other than letters, digits and "_.+~-"`;
  }
  return undefined;
}

export type DebianFileKind =
  | 'deb'
  | 'udeb'
  | 'ddeb'
  | 'dsc'
  | 'orig-tarball'
  | 'orig-signature'
  | 'debian-tarball'
  | 'native-tarball'
  | 'diff'
  | 'buildinfo'
  | 'changes';

/** What a Debian-named file is, with the name parts it carries. */
export interface DebianFilename {
  kind: DebianFileKind;
  /** Binary package name for .deb/.udeb/.ddeb, source package name otherwise. */
  package: string;
  /** Version without epoch (the upstream version for orig tarballs). */
  version: string;
  /** For .deb/.udeb/.ddeb, .buildinfo and .changes. */
  architecture?: string;
  /** For tarballs: gz, bz2, xz or lzma. */
  compression?: string;
  /** For `.orig-<component>.tar.*` tarballs and their signatures. */
  component?: string;
}

const PATTERNS: [DebianFileKind, RegExp][] = [
  ['deb', new RegExp(`^(${PKG})_(${FILE_VERSION})_([a-z0-9-]+)\\.deb$`)],
  ['udeb', new RegExp(`^(${PKG})_(${FILE_VERSION})_([a-z0-9-]+)\\.udeb$`)],
  ['ddeb', new RegExp(`^(${PKG})_(${FILE_VERSION})_([a-z0-9-]+)\\.ddeb$`)],
  ['buildinfo', new RegExp(`^(${PKG})_(${FILE_VERSION})_([a-z0-9-]+)\\.buildinfo$`)],
  ['changes', new RegExp(`^(${PKG})_(${FILE_VERSION})_([a-z0-9-]+)\\.changes$`)],
  ['dsc', new RegExp(`^(${PKG})_(${FILE_VERSION})\\.dsc$`)],
  [
    'orig-signature',
    new RegExp(`^(${PKG})_(${FILE_VERSION})\\.orig(?:-([a-z0-9-]+))?\\.tar\\.${TAR_COMPRESSION}\\.asc$`),
  ],
  [
    'orig-tarball',
    new RegExp(`^(${PKG})_(${FILE_VERSION})\\.orig(?:-([a-z0-9-]+))?\\.tar\\.${TAR_COMPRESSION}$`),
  ],
  ['debian-tarball', new RegExp(`^(${PKG})_(${FILE_VERSION})\\.debian\\.tar\\.${TAR_COMPRESSION}$`)],
  ['diff', new RegExp(`^(${PKG})_(${FILE_VERSION})\\.diff\\.gz$`)],
  ['native-tarball', new RegExp(`^(${PKG})_(${FILE_VERSION})\\.tar\\.${TAR_COMPRESSION}$`)],
];

/** Recognises the Debian naming of a file, or returns undefined for other names. */
export function parseDebianFilename(name: string): DebianFilename | undefined {
  for (const [kind, pattern] of PATTERNS) {
    const m = pattern.exec(name);
    if (!m) continue;
    const [, pkg, version] = m as unknown as [string, string, string, ...(string | undefined)[]];
    const parsed: DebianFilename = { kind, package: pkg, version };
    if (['deb', 'udeb', 'ddeb', 'buildinfo', 'changes'].includes(kind)) {
      parsed.architecture = m[3];
    } else if (kind === 'orig-tarball' || kind === 'orig-signature') {
      if (m[3]) parsed.component = m[3];
      parsed.compression = m[4];
    } else if (kind !== 'dsc' && kind !== 'diff') {
      parsed.compression = m[3];
    }
    return parsed;
  }
  return undefined;
}

export function isBinaryPackageFile(kind: DebianFileKind): boolean {
  return kind === 'deb' || kind === 'udeb' || kind === 'ddeb';
}

export function isSourcePackageFile(kind: DebianFileKind): boolean {
  return [
    'dsc',
    'orig-tarball',
    'orig-signature',
    'debian-tarball',
    'native-tarball',
    'diff',
  ].includes(kind);
}
