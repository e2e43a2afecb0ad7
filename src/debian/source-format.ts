import type { Problem } from '../shared/errors.js';
import { parseDebianFilename } from './names.js';
import { parseVersion, versionWithoutEpoch } from './version.js';

export type SourceFormat = '1.0' | '3.0 (quilt)' | '3.0 (native)';

export const SOURCE_FORMATS: readonly SourceFormat[] = ['1.0', '3.0 (quilt)', '3.0 (native)'];

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
  const problems: Problem[] = [];
  const add = (message: string): void => void problems.push({ where, message });
  const upstream = parseVersion(version).upstream;
  const base = `${source}_${upstream}`;
  const baseRev = `${source}_${versionWithoutEpoch(version)}`;
  const hasRevision = parseVersion(version).revision !== '';
  const files = names.map((name) => ({ name, parsed: parseDebianFilename(name) }));
  const of = (kind: string): string[] =>
    files.filter((f) => f.parsed?.kind === kind).map((f) => f.name);
  const origs = files.filter((f) => f.parsed?.kind === 'orig-tarball');
  const mainOrigs = origs.filter((f) => !f.parsed?.component).map((f) => f.name);
  const expected = new Set<string>();
  const unrecognized = (what: string): void => {
    for (const { name } of files) {
      if (!expected.has(name)) add(`${name} does not belong in a ${what} source package`);
    }
  };

  if (format === '1.0') {
    const tars = names.filter((n) => n === `${base}.orig.tar.gz` || n === `${baseRev}.tar.gz`);
    const diffs = names.filter((n) => n === `${baseRev}.diff.gz`);
    tars.forEach((n) => expected.add(n));
    diffs.forEach((n) => expected.add(n));
    names.filter((n) => n === `${base}.orig.tar.gz.asc`).forEach((n) => expected.add(n));
    unrecognized('format 1.0 (only .orig.tar.gz + .diff.gz, or one .tar.gz, gzip only)');
    if (tars.length === 0) add(`no ${base}.orig.tar.gz or ${baseRev}.tar.gz in the file list`);
    if (tars.length > 1) add('more than one tarball in a format 1.0 source package');
    if (diffs.length > 0 && !tars.some((n) => n.endsWith('.orig.tar.gz'))) {
      add(`${baseRev}.diff.gz needs ${base}.orig.tar.gz`);
    }
    if (diffs.length > 0 && !hasRevision) {
      add(`non-native version ${version} has no Debian revision (like ${upstream}-1)`);
    }
    return problems;
  }

  if (format === '3.0 (native)') {
    const tars = of('native-tarball').filter((n) => n.startsWith(`${baseRev}.tar.`));
    tars.forEach((n) => expected.add(n));
    unrecognized('3.0 (native)');
    if (tars.length === 0) add(`no ${baseRev}.tar.* in the file list`);
    if (tars.length > 1) add(`more than one tarball: ${tars.join(', ')}`);
    if (hasRevision) add(`native package version ${version} may not have a Debian revision`);
    return problems;
  }

  // 3.0 (quilt)
  const debianTars = of('debian-tarball').filter((n) => n.startsWith(`${baseRev}.debian.tar.`));
  const ours = origs.filter((f) => f.name.startsWith(`${base}.orig`)).map((f) => f.name);
  [...debianTars, ...ours].forEach((n) => expected.add(n));
  for (const sig of of('orig-signature')) {
    expected.add(sig);
    if (!names.includes(sig.slice(0, -4))) add(`signature ${sig} has no matching ${sig.slice(0, -4)}`);
  }
  unrecognized('3.0 (quilt)');
  if (mainOrigs.filter((n) => n.startsWith(`${base}.`)).length === 0) {
    add(`no ${base}.orig.tar.* in the file list`);
  }
  if (debianTars.length === 0) add(`no ${baseRev}.debian.tar.* in the file list`);
  const stems = names.map((n) => n.replace(/\.tar\.(gz|bz2|xz|lzma)(\.asc)?$/, '.tar.*$2'));
  for (const stem of new Set(stems.filter((s, i) => stems.indexOf(s) !== i))) {
    add(`${stem} is listed more than once (with different compressions)`);
  }
  if (!hasRevision) add(`non-native version ${version} has no Debian revision (like ${upstream}-1)`);
  return problems;
}
