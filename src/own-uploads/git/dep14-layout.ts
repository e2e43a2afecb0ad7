import type { GitLayout } from './git-source-records.js';
import { parseVersion } from '../../debian/index.js';
import { InvalidInputError } from '../../shared/errors.js';
import { refNameProblem } from './ref-patterns.js';

export type { GitLayout };

/*
 * Where a git source's upstream tarball comes from (DEP-14), its layout:
 * - native: the tree is all there is (debian/ in the upstream tree); a 3.0 (quilt)
 *   source gets its .orig.tar.gz made from the tree without debian/;
 * - upstream-tag: a packaging branch; the .orig.tar.gz is `git archive` of the upstream
 *   tag (`upstream/<version>` by default, as gbp names them);
 * - pristine-tar: a packaging branch; the .orig.tar.* is the one the repository's
 *   pristine-tar branch recorded, regenerated from its delta and the upstream tag's tree;
 * - watch: a packaging branch; the .orig.tar.* is downloaded by uscan as debian/watch
 *   says, in the build sandbox, from below the URL prefixes an admin gave the source
 *   only (the watch file is the repository's: it names no host by itself).
 */

export const GIT_LAYOUTS: readonly GitLayout[] = [
  'native',
  'upstream-tag',
  'pristine-tar',
  'watch',
];

/** gbp's default upstream tag format. */
export const DEFAULT_UPSTREAM_TAG = 'upstream/%(version)s';

export const PRISTINE_TAR_BRANCH = 'refs/heads/pristine-tar';

/** What to give dpkg-source as the upstream tarball of one build. */
export type OrigPlan =
  | { kind: 'none' }
  | { kind: 'tree'; upstream: string }
  | { kind: 'tag'; upstream: string; tag: string; name: string; prefix: string }
  | { kind: 'pristine-tar'; upstream: string; tag: string }
  | { kind: 'watch'; upstream: string };

/** Why an upstream tag pattern cannot be used (undefined: it can). */
export function upstreamTagPatternProblem(pattern: string): string | undefined {
  if (!pattern.includes('%(version)s')) {
    return `upstream tag pattern ${pattern} has no %(version)s (like ${DEFAULT_UPSTREAM_TAG})`;
  }
  const problem = refNameProblem(pattern.replaceAll('%(version)s', '1.0'), false);
  return problem ? `upstream tag pattern ${pattern}: ${problem}` : undefined;
}

/**
 * The upstream tag of a version under a pattern, mangled as DEP-14 and gbp do: `~` is
 * `_`, `:` is `%`, and `..` is `.#.` (git refuses those characters in ref names).
 */
export function upstreamTagOf(pattern: string, upstream: string): string {
  const mangled = upstream.replaceAll('~', '_').replaceAll(':', '%').replaceAll('..', '.#.');
  return `refs/tags/${pattern.replaceAll('%(version)s', mangled)}`;
}

/**
 * What a build of `version` (from debian/changelog) in `format` (debian/source/format)
 * needs for its upstream tarball under a layout; a packaging branch of a native format
 * or version is a clear error.
 */
export function planOrig(
  layout: GitLayout,
  input: { source: string; version: string; format: string | undefined; upstreamTag: string },
): OrigPlan {
  const quilt = input.format?.trim() === '3.0 (quilt)';
  const { upstream, revision } = parseVersion(input.version);
  if (layout === 'native') return quilt ? { kind: 'tree', upstream } : { kind: 'none' };
  if (!quilt) {
    throw new InvalidInputError(
      `the ${layout} layout makes a 3.0 (quilt) source with an upstream tarball: debian/source/format says ${input.format?.trim() || 'nothing (1.0)'}, not 3.0 (quilt)`,
    );
  }
  if (!revision) {
    throw new InvalidInputError(
      `version ${input.version} has no Debian revision: a ${layout} source needs one (like ${upstream}-1)`,
    );
  }
  if (layout === 'watch') return { kind: 'watch', upstream };
  const tag = upstreamTagOf(input.upstreamTag, upstream);
  if (layout === 'pristine-tar') return { kind: 'pristine-tar', upstream, tag };
  return {
    kind: 'tag',
    upstream,
    tag,
    name: `${input.source}_${upstream}.orig.tar.gz`,
    prefix: `${input.source}-${upstream}/`,
  };
}

/**
 * An orig URL prefix as the watch layout keeps it (a folder: ends with /), or a clear
 * error: an http(s) URL with a host, no user, query, fragment or encoded dots/slashes.
 */
export function origUrlPrefix(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new InvalidInputError(`orig URL prefix ${given} is not a URL`);
  }
  const problem =
    url.protocol !== 'http:' && url.protocol !== 'https:'
      ? 'is not http(s)'
      : url.username || url.password
        ? 'holds a user or password'
        : url.search || url.hash || given.includes('#') || given.includes('?')
          ? 'has a query or fragment'
          : /%2e|%2f|%5c/i.test(given) || /\/\.\.?(\/|$)/.test(given)
            ? 'has dot segments or encoded dots or slashes'
            : undefined;
  if (problem) {
    throw new InvalidInputError(
      `orig URL prefix ${given} ${problem}: give a folder like https://download.example.org/hello/`,
    );
  }
  return url.pathname.endsWith('/') ? url.href : `${url.href}/`;
}

/** The files pristine-tar keeps for one tarball on its branch. */
export interface PristineTarFiles {
  /** The tarball's name: `<source>_<upstream>.orig.tar.<ext>`. */
  tarball: string;
  delta: string;
  id: string;
}

/**
 * The pristine-tar files of a source's upstream version among the files on the
 * pristine-tar branch, or a clear error naming what the branch holds.
 */
export function pickPristineTar(
  files: readonly string[],
  source: string,
  upstream: string,
): PristineTarFiles {
  const stem = `${source}_${upstream}.orig.tar.`;
  const found = files
    .filter((f) => f.startsWith(stem) && f.endsWith('.delta'))
    .map((delta) => delta.slice(0, -'.delta'.length))
    .filter((tarball) => /^(gz|bz2|xz|lzma|zst)$/.test(tarball.slice(stem.length)))
    .filter((tarball) => files.includes(`${tarball}.id`));
  if (found.length === 0) {
    const held = files.filter((f) => f.endsWith('.delta')).map((f) => f.slice(0, -6));
    throw new InvalidInputError(
      `the pristine-tar branch has no ${stem}* (delta and id): it holds ${held.join(', ') || 'no tarballs'}`,
    );
  }
  if (found.length > 1) {
    throw new InvalidInputError(
      `the pristine-tar branch has more than one upstream tarball of ${source} ${upstream}: ${found.join(', ')}`,
    );
  }
  const tarball = found[0]!;
  return { tarball, delta: `${tarball}.delta`, id: `${tarball}.id` };
}
