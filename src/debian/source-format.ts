import type { Problem } from '../shared/errors.js';
import { type DebianFileKind, parseDebianFilename } from './names.js';
import { parseVersion, versionWithoutEpoch } from './version.js';

export type SourceFormat = '1.0' | '3.0 (quilt)' | '3.0 (native)';

export const SOURCE_FORMATS: readonly SourceFormat[] = ['1.0', '3.0 (quilt)', '3.0 (native)'];

/** What the rules of one format need to know about a source package. */
interface FileSet {
  names: readonly string[];
  /** `source_upstream`: the stem of orig tarballs. */
  base: string;
  /** `source_version` (no epoch): the stem of the .debian.tar, .diff.gz and native tarball. */
  baseRev: string;
  version: string;
  upstream: string;
  hasRevision: boolean;
  ofKind(kind: DebianFileKind): string[];
}

/**
 * Checks the set of files of a source package against the rules of its format, as
 * dpkg-source applies them when unpacking (Dpkg::Source::Package::V1, V2/V3 quilt, V3
 * native). `names` are the files listed in the .dsc (without the .dsc itself).
 */
export function checkSourceFileSet(
  format: SourceFormat,
  source: string,
  version: string,
  names: readonly string[],
  where: string,
): Problem[] {
  const { upstream, revision } = parseVersion(version);
  const parsed = names.map((name) => ({ name, kind: parseDebianFilename(name)?.kind }));
  const set: FileSet = {
    names,
    base: `${source}_${upstream}`,
    baseRev: `${source}_${versionWithoutEpoch(version)}`,
    version,
    upstream,
    hasRevision: revision !== '',
    ofKind: (kind) => parsed.filter((f) => f.kind === kind).map((f) => f.name),
  };
  const rules = { '1.0': format10, '3.0 (native)': format30Native, '3.0 (quilt)': format30Quilt };
  return rules[format](set).map((message) => ({ where, message }));
}

function unexpected(set: FileSet, expected: Set<string>, what: string): string[] {
  return set.names
    .filter((name) => !expected.has(name))
    .map((name) => `${name} does not belong in a ${what} source package`);
}

function noRevision(set: FileSet): string {
  return `non-native version ${set.version} has no Debian revision (like ${set.upstream}-1)`;
}

function format10(set: FileSet): string[] {
  const { names, base, baseRev } = set;
  const tars = names.filter((n) => n === `${base}.orig.tar.gz` || n === `${baseRev}.tar.gz`);
  const diffs = names.filter((n) => n === `${baseRev}.diff.gz`);
  const signatures = names.filter((n) => n === `${base}.orig.tar.gz.asc`);
  const what = 'format 1.0 (only .orig.tar.gz + .diff.gz, or one .tar.gz, gzip only)';
  const problems = unexpected(set, new Set([...tars, ...diffs, ...signatures]), what);
  if (tars.length === 0) problems.push(`no ${base}.orig.tar.gz or ${baseRev}.tar.gz in the file list`);
  if (tars.length > 1) problems.push('more than one tarball in a format 1.0 source package');
  if (diffs.length > 0 && !tars.some((n) => n.endsWith('.orig.tar.gz'))) {
    problems.push(`${baseRev}.diff.gz needs ${base}.orig.tar.gz`);
  }
  if (diffs.length > 0 && !set.hasRevision) problems.push(noRevision(set));
  return problems;
}

function format30Native(set: FileSet): string[] {
  const tars = set.ofKind('native-tarball').filter((n) => n.startsWith(`${set.baseRev}.tar.`));
  const problems = unexpected(set, new Set(tars), '3.0 (native)');
  if (tars.length === 0) problems.push(`no ${set.baseRev}.tar.* in the file list`);
  if (tars.length > 1) problems.push(`more than one tarball: ${tars.join(', ')}`);
  if (set.hasRevision) {
    problems.push(`native package version ${set.version} may not have a Debian revision`);
  }
  return problems;
}

function format30Quilt(set: FileSet): string[] {
  const { names, base, baseRev } = set;
  const debianTars = set.ofKind('debian-tarball').filter((n) => n.startsWith(`${baseRev}.debian.tar.`));
  const origs = set.ofKind('orig-tarball').filter((n) => n.startsWith(`${base}.orig`));
  const signatures = set.ofKind('orig-signature');
  const problems = unexpected(set, new Set([...debianTars, ...origs, ...signatures]), '3.0 (quilt)');
  for (const sig of signatures.filter((s) => !names.includes(s.slice(0, -4)))) {
    problems.push(`signature ${sig} has no matching ${sig.slice(0, -4)}`);
  }
  if (!origs.some((n) => n.startsWith(`${base}.orig.tar.`))) {
    problems.push(`no ${base}.orig.tar.* in the file list`);
  }
  if (debianTars.length === 0) problems.push(`no ${baseRev}.debian.tar.* in the file list`);
  const stems = names.map((n) => n.replace(/\.tar\.(gz|bz2|xz|lzma)(\.asc)?$/, '.tar.*$2'));
  for (const stem of new Set(stems.filter((s, i) => stems.indexOf(s) !== i))) {
    problems.push(`${stem} is listed more than once (with different compressions)`);
  }
  if (!set.hasRevision) problems.push(noRevision(set));
  return problems;
}
