import type { DistributionSpec } from '../archive/model/repository.js';
import type { ArchitectureMatcher } from '../incoming/architecture-matcher.js';

/** A source version a suite holds, as build-missing looks at it. */
export interface HeldSource {
  source: string;
  version: string;
  /** The distribution (suite) it is taken from. */
  distribution: string;
  /** The Architecture field of its .dsc; null when the archive has no .dsc of it. */
  dscArchitectures: string[] | null;
  /** The architectures its binaries in the archive are for (`all` included). */
  binaryArchitectures: string[];
}

/** The builds on their way for a source version (uploads in flight). */
export interface OpenBuilds {
  architectures: readonly string[];
  archAll: boolean;
}

/** The builds one source version is missing: the first architecture carries arch:all. */
export interface MissingBuild {
  source: string;
  version: string;
  distribution: string;
  architectures: string[];
  archAll: boolean;
}

export interface SkippedSource {
  source: string;
  version: string;
  reason: string;
}

/**
 * What each source version lacks in a distribution: every architecture of the
 * distribution its `Architecture` field allows that has no binary of that version,
 * less those an upload in flight builds; arch:all counts once, on the distribution's
 * arch:all architecture. `only` narrows it to one architecture. A source version is
 * looked at once, however many suites hold it (its binaries are shared).
 */
export async function findMissingBuilds(input: {
  held: readonly HeldSource[];
  distribution: Pick<DistributionSpec, 'architectures' | 'archAllArchitecture'>;
  only?: string;
  open: (source: string, version: string) => readonly OpenBuilds[];
  matcher: ArchitectureMatcher;
}): Promise<{ missing: MissingBuild[]; skipped: SkippedSource[] }> {
  const { distribution, only, matcher } = input;
  const missing: MissingBuild[] = [];
  const skipped: SkippedSource[] = [];
  const seen = new Set<string>();
  for (const held of input.held) {
    const key = `${held.source} ${held.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (held.dscArchitectures === null) {
      skipped.push({
        source: held.source,
        version: held.version,
        reason: 'the archive has no .dsc of it (imported binaries): it cannot be built',
      });
      continue;
    }
    const wanted = await wantedArchitectures(held.dscArchitectures, distribution, matcher);
    const present = new Set(held.binaryArchitectures);
    const open = input.open(held.source, held.version);
    for (const o of open) for (const a of o.architectures) present.add(a);
    if (open.some((o) => o.archAll)) present.add('all');
    let specific = wanted.specific.filter((a) => !present.has(a));
    let archAll = wanted.all && !present.has('all');
    if (only !== undefined) {
      specific = specific.filter((a) => a === only);
      archAll &&= distribution.archAllArchitecture === only;
    }
    const allOn = distribution.archAllArchitecture;
    // An arch:all build on an architecture whose own packages are there already would
    // build them again (dpkg-buildpackage -b): arch:all then waits for a new upload.
    if (archAll && wanted.specific.includes(allOn) && !specific.includes(allOn)) {
      skipped.push({
        source: held.source,
        version: held.version,
        reason: `its Architecture: all packages are missing, but building them on ${allOn} would build its ${allOn} packages again; upload a new version`,
      });
      archAll = false;
    }
    if (specific.length === 0 && !archAll) continue;
    const architectures = archAll ? [allOn, ...specific.filter((a) => a !== allOn)] : specific;
    missing.push({
      source: held.source,
      version: held.version,
      distribution: held.distribution,
      architectures,
      archAll,
    });
  }
  return { missing, skipped };
}

/** The distribution's architectures a .dsc's Architecture field allows, and whether it has arch:all. */
export async function wantedArchitectures(
  dscArchitectures: readonly string[],
  distribution: Pick<DistributionSpec, 'architectures'>,
  matcher: ArchitectureMatcher,
): Promise<{ specific: string[]; all: boolean }> {
  const wildcards = dscArchitectures.filter((a) => a !== 'all');
  const specific: string[] = [];
  for (const arch of distribution.architectures) {
    for (const wildcard of wildcards) {
      if (await matcher.matches(arch, wildcard)) {
        specific.push(arch);
        break;
      }
    }
  }
  return { specific, all: dscArchitectures.includes('all') };
}

/**
 * The architectures of a distribution a source version lacks binaries for although its
 * Architecture field allows them (`all` for missing arch:all packages); [] when the
 * archive has no .dsc of it (nothing says what it should have).
 */
export async function missingArchitectures(
  version: { dscArchitectures: readonly string[] | null; binaryArchitectures: readonly string[] },
  distribution: Pick<DistributionSpec, 'architectures'>,
  matcher: ArchitectureMatcher,
): Promise<string[]> {
  if (version.dscArchitectures === null) return [];
  const wanted = await wantedArchitectures(version.dscArchitectures, distribution, matcher);
  const present = new Set(version.binaryArchitectures);
  return [...wanted.specific, ...(wanted.all ? ['all'] : [])].filter((a) => !present.has(a));
}
