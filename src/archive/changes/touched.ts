import type { DistributionSpec } from '../model/repository.js';

/** The index files of a distribution, by base path (without compression suffix). */
export function allIndexPaths(
  dist: Pick<DistributionSpec, 'components' | 'architectures'>,
): string[] {
  const paths: string[] = [];
  for (const component of dist.components) {
    paths.push(`${component}/source/Sources`);
    for (const arch of dist.architectures) {
      paths.push(`${component}/binary-${arch}/Packages`, `${component}/Contents-${arch}`);
    }
  }
  return paths;
}

/** The indices a source (with these binary architectures) appears in. */
export function indexPathsOf(
  component: string,
  hasSource: boolean,
  binaryArchitectures: Iterable<string>,
  distArchitectures: readonly string[],
): string[] {
  const archs = new Set<string>();
  for (const arch of binaryArchitectures) {
    if (arch === 'all') distArchitectures.forEach((a) => archs.add(a));
    else if (distArchitectures.includes(arch)) archs.add(arch);
  }
  const paths = hasSource ? [`${component}/source/Sources`] : [];
  for (const arch of [...archs].sort()) {
    paths.push(`${component}/binary-${arch}/Packages`, `${component}/Contents-${arch}`);
  }
  return paths;
}

/**
 * Collects, per distribution, the indices a change touched and the sources whose entries
 * it changed (null once an index was touched without naming its source: everything).
 */
export class TouchedIndices {
  readonly byDist = new Map<string, Set<string>>();
  readonly sourcesByDist = new Map<string, Set<string> | null>();

  add(dist: string, paths: Iterable<string>, source?: string): void {
    let set = this.byDist.get(dist);
    if (!set) this.byDist.set(dist, (set = new Set()));
    for (const p of paths) set.add(p);
    const sources = this.sourcesByDist.get(dist);
    if (source === undefined) this.sourcesByDist.set(dist, null);
    else if (sources === undefined) this.sourcesByDist.set(dist, new Set([source]));
    else sources?.add(source);
  }

  get dists(): string[] {
    return [...this.byDist.keys()].sort();
  }
}
