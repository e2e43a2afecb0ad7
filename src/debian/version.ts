import { InvalidInputError } from '../shared/errors.js';

/** A Debian version `[epoch:]upstream[-revision]` (deb-version(7)). */
export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** Empty when the version has no revision (then it compares equal to "0"). */
  revision: string;
}

const MAX_EPOCH = 2 ** 31 - 1;

/**
 * Parses a version the way dpkg does, or explains why it is not valid. Besides dpkg's
 * hard errors, the cases dpkg only warns about (upstream not starting with a digit,
 * invalid characters) are errors here: the archive must not take such versions.
 */
export function checkVersion(text: string): { version?: DebianVersion; error?: string } {
  const split = splitVersion(text);
  if (!split.version) return split;
  const { upstream, revision } = split.version;
  if (!/^\d/.test(upstream)) return { error: 'version number does not start with digit' };
  if (!/^[A-Za-z0-9.+~:-]*$/.test(upstream)) return { error: 'invalid character in version number' };
  if (!/^[A-Za-z0-9.+~]*$/.test(revision)) return { error: 'invalid character in revision number' };
  return split;
}

/** dpkg's parseversion() without the checks dpkg only warns about. */
function splitVersion(text: string): { version?: DebianVersion; error?: string } {
  const string = text.trim();
  if (string === '') return { error: 'version string is empty' };
  if (/\s/.test(string)) return { error: 'version string has embedded spaces' };
  const colon = string.indexOf(':');
  let epoch = 0;
  if (colon >= 0) {
    const digits = string.slice(0, colon);
    if (digits === '') return { error: 'epoch in version is empty' };
    if (!/^\d+$/.test(digits)) {
      const negative = /^-\d+$/.test(digits);
      return { error: negative ? 'epoch in version is negative' : 'epoch in version is not number' };
    }
    epoch = Number(digits);
    if (epoch > MAX_EPOCH) return { error: 'epoch in version is too big' };
  }
  const rest = string.slice(colon + 1);
  if (colon >= 0 && rest === '') return { error: 'nothing after colon in version number' };
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (upstream === '') return { error: 'version number is empty' };
  if (hyphen >= 0 && revision === '') return { error: 'revision number is empty' };
  return { version: { epoch, upstream, revision } };
}

/** Parses a version; throws InvalidInputError naming the problem. */
export function parseVersion(text: string): DebianVersion {
  const { version, error } = checkVersion(text);
  if (!version) throw new InvalidInputError(`invalid version "${text}": ${error}`);
  return version;
}

export function isValidVersion(text: string): boolean {
  return checkVersion(text).version !== undefined;
}

/** Renders a version back (`epoch:` only when non-zero). */
export function formatVersion(version: DebianVersion, { epoch = true } = {}): string {
  const head = epoch && version.epoch > 0 ? `${version.epoch}:` : '';
  const tail = version.revision === '' ? '' : `-${version.revision}`;
  return `${head}${version.upstream}${tail}`;
}

/** The version as it appears in file names: without the epoch. */
export function versionWithoutEpoch(text: string): string {
  const colon = text.indexOf(':');
  return colon < 0 ? text : text.slice(colon + 1);
}

/**
 * Compares two versions as `dpkg --compare-versions` does: negative, zero or positive.
 * Like dpkg, it compares versions that only break the syntax dpkg warns about ("abc"),
 * and throws InvalidInputError for the ones dpkg refuses.
 */
export function compareVersions(a: string | DebianVersion, b: string | DebianVersion): number {
  const va = typeof a === 'string' ? lenientVersion(a) : a;
  const vb = typeof b === 'string' ? lenientVersion(b) : b;
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  return compareFragment(va.upstream, vb.upstream) || compareFragment(va.revision, vb.revision);
}

function lenientVersion(text: string): DebianVersion {
  const { version, error } = splitVersion(text);
  if (!version) throw new InvalidInputError(`invalid version "${text}": ${error}`);
  return version;
}

/** Sort weight of one character in a non-digit run: `~` first, then end, letters, others. */
function order(code: number | undefined): number {
  if (code === undefined) return 0;
  if (code === 0x7e) return -1; // '~'
  if (isDigit(code)) return 0;
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return code;
  return code + 256;
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

/** deb-version(7): alternate non-digit runs (by `order`) and digit runs (numerically). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ca = i < a.length && !isDigit(a.charCodeAt(i)) ? a.charCodeAt(i) : undefined;
      const cb = j < b.length && !isDigit(b.charCodeAt(j)) ? b.charCodeAt(j) : undefined;
      const diff = order(ca) - order(cb);
      if (diff !== 0) return Math.sign(diff);
      if (ca !== undefined) i++;
      if (cb !== undefined) j++;
    }
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    let firstDiff = 0;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return Math.sign(firstDiff);
  }
  return 0;
}

export type VersionRelation = 'lt' | 'le' | 'eq' | 'ne' | 'ge' | 'gt';

/** `dpkg --compare-versions a REL b` for the non-deprecated relations. */
export function versionSatisfies(a: string, relation: VersionRelation, b: string): boolean {
  const c = compareVersions(a, b);
  const results: Record<VersionRelation, boolean> = {
    lt: c < 0,
    le: c <= 0,
    eq: c === 0,
    ne: c !== 0,
    ge: c >= 0,
    gt: c > 0,
  };
  return results[relation];
}
