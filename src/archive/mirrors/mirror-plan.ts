import { parseDeb822, type Stanza } from '../../debian/deb822.js';
import { compareVersions } from '../../debian/version.js';
import { InvalidInputError } from '../../shared/errors.js';
import { suiteIndex, suiteRelease, type TreeRead } from '../remote-tree/published-tree.js';
import { withDependencies, type CandidatePackage } from './dependencies.js';
import { matchesQuery, type PackageQuery } from './package-query.js';
import type { WantedFile } from './pool-download.js';
import { newestSources, type PlannedSource } from './source-plan.js';

/** What a mirror takes: its suites, components, architectures and filter. */
export interface MirrorSelection {
  suites: readonly string[];
  components: readonly string[];
  /** `source` among them: source packages too (aptly's -with-sources). */
  architectures: readonly string[];
  /** Null: every package. */
  filter: PackageQuery | null;
  withDeps: boolean;
  recommends: boolean;
  /** The armored key the Release files must be signed with; null: read unchecked. */
  key: string | null;
}

/** A binary package the mirror takes. */
export interface PlannedPackage extends CandidatePackage, WantedFile {
  suite: string;
  component: string;
  source: string;
  sourceVersion: string;
  /** Its stanza in the signed index: the control data the archive indexes. */
  stanza: Stanza;
}

export interface MirrorPlan {
  packages: PlannedPackage[];
  /** With `source` among the architectures: every source, or those of the packages taken. */
  sources: PlannedSource[];
  /** Relations nothing in the suites satisfies (with dependencies followed). */
  unsatisfied: string[];
}

/**
 * The packages a mirror wants from the tree, as apt would see it: per suite, its Release
 * verified, the Packages index of each component and architecture (checked against the
 * Release), the highest version of each package and architecture; then those the filter
 * takes and, with `withDeps`, what they depend on within the suite.
 */
export async function planMirror(read: TreeRead, selection: MirrorSelection): Promise<MirrorPlan> {
  const packages: PlannedPackage[] = [];
  const sources: PlannedSource[] = [];
  const unsatisfied: string[] = [];
  const withSources = selection.architectures.includes('source');
  const architectures = selection.architectures.filter((a) => a !== 'source');
  for (const suite of selection.suites) {
    const release = await suiteRelease(read, suite, selection.key);
    const byHash = release.fields.get('Acquire-By-Hash')?.toLowerCase() === 'yes';
    const missing = selection.components.filter((c) => !release.components.includes(c));
    if (missing.length > 0) {
      throw new InvalidInputError(
        `suite ${suite} has no component ${missing.join(', ')} (its Release lists: ${release.components.join(', ') || 'none'})`,
      );
    }
    const absent = architectures.filter(
      (a) => release.architectures.length > 0 && !release.architectures.includes(a),
    );
    if (absent.length > 0) {
      throw new InvalidInputError(
        `suite ${suite} has no architecture ${absent.join(', ')} (its Release lists: ${release.architectures.join(', ')})`,
      );
    }
    const newest = new Map<string, PlannedPackage>();
    for (const component of selection.components) {
      for (const arch of architectures) {
        const index = `${component}/binary-${arch}/Packages`;
        const text = await suiteIndex(read, suite, index, release.sums, byHash);
        if (text === null) continue;
        for (const stanza of parseDeb822(text, { source: `dists/${suite}/${index}` })) {
          const p = planned(stanza, suite, component, index);
          const key = `${p.package} ${p.architecture}`;
          const held = newest.get(key);
          if (!held || compareVersions(p.version, held.version) > 0) newest.set(key, p);
        }
      }
    }
    const universe = [...newest.values()];
    const filter = selection.filter;
    const chosen = filter
      ? universe.filter((p) => matchesQuery(filter, (f) => p.get(f)))
      : universe;
    const taken = [...chosen];
    if (selection.withDeps && filter) {
      const result = withDependencies(universe, chosen, {
        architectures,
        recommends: selection.recommends,
      });
      taken.splice(0, taken.length, ...result.packages);
      unsatisfied.push(...result.unsatisfied.map((u) => `${suite}: ${u}`));
    }
    packages.push(...taken);
    if (!withSources) continue;
    // With a filter, the sources of the packages taken; else every source.
    const wanted = new Set(taken.map((p) => `${p.source} ${p.sourceVersion}`));
    for (const component of selection.components) {
      const index = `${component}/source/Sources`;
      const text = await suiteIndex(read, suite, index, release.sums, byHash);
      if (text === null) {
        throw new InvalidInputError(
          `suite ${suite} has no Sources index for component ${component} (its Release lists none)`,
        );
      }
      const all = newestSources(text, { suite, component, index: `dists/${suite}/${index}` });
      sources.push(...(filter ? all.filter((s) => wanted.has(`${s.source} ${s.version}`)) : all));
    }
  }
  return { packages, sources, unsatisfied };
}

function planned(stanza: Stanza, suite: string, component: string, index: string): PlannedPackage {
  const field = (name: string) => {
    const value = stanza.get(name);
    if (!value)
      throw new InvalidInputError(`dists/${suite}/${index}: a package has no ${name} field`);
    return value;
  };
  const [pkg, version, architecture, filename] = [
    'Package',
    'Version',
    'Architecture',
    'Filename',
  ].map(field) as [string, string, string, string];
  const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(stanza.get('Source') ?? pkg);
  if (!source)
    throw new InvalidInputError(`dists/${suite}/${index}: ${pkg} has a malformed Source field`);
  const size = Number(field('Size'));
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidInputError(`dists/${suite}/${index}: ${pkg} has a malformed Size field`);
  }
  return {
    package: pkg,
    version,
    architecture,
    get: (name) => stanza.get(name),
    poolPath: filename,
    size,
    sha256: field('SHA256'),
    suite,
    component,
    source: source[1]!,
    sourceVersion: source[2] ?? version,
    stanza,
  };
}
