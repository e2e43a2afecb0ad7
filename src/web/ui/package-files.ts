import type { PackageVersionRow } from '../../api/specs/archive.js';
import type { BuildSummary } from '../../api/specs/builds.js';

/** A binary package as the package page lists it: its .deb, sizes and installed files. */
export interface BinaryFiles {
  package: string;
  architecture: string;
  /** The .deb's pool path. */
  path: string;
  size: number;
  installedKiB: number | null;
  files: string[];
}

/** What the archive says of a source version's files. */
export interface PackageFileLookups {
  /** The source files (.dsc, tarballs) of a version in a repository's pool. */
  sourceFiles(
    repository: string,
    source: string,
    version: string,
  ): { path: string; size: number }[];
  /** Its binaries with the .deb sizes and file lists. */
  binaryDetails(repository: string, source: string, version: string): BinaryFiles[];
}

/** The binaries of one architecture and the build that made them (when debyard built them). */
export interface ArchitectureFiles {
  architecture: string;
  build: BuildSummary | null;
  binaries: BinaryFiles[];
}

/** One source version in one repository, with where it is and its files. */
export interface VersionGroup {
  repository: string;
  source: string;
  version: string;
  component: string;
  distributions: string[];
  sourceFiles: { path: string; size: number }[];
  architectures: ArchitectureFiles[];
}

/** Per repository and source version: the distributions holding it, its files per architecture. */
export function versionGroups(
  lookups: PackageFileLookups,
  rows: readonly PackageVersionRow[],
  builds: readonly BuildSummary[],
): VersionGroup[] {
  const groups = new Map<string, VersionGroup>();
  for (const row of rows) {
    const key = `${row.repository} ${row.source} ${row.version}`;
    let group = groups.get(key);
    if (!group) {
      const binaries = lookups.binaryDetails(row.repository, row.source, row.version);
      const architectures = [...new Set(binaries.map((b) => b.architecture))].map((arch) => ({
        architecture: arch,
        build: builtBy(builds, row.source, row.version, arch),
        binaries: binaries.filter((b) => b.architecture === arch),
      }));
      group = {
        repository: row.repository,
        source: row.source,
        version: row.version,
        component: row.component,
        distributions: [],
        sourceFiles: lookups.sourceFiles(row.repository, row.source, row.version),
        architectures,
      };
      groups.set(key, group);
    }
    group.distributions.push(row.distribution);
  }
  return [...groups.values()];
}

/** The newest successful build of a version that made this architecture's packages. */
function builtBy(
  builds: readonly BuildSummary[],
  source: string,
  version: string,
  architecture: string,
): BuildSummary | null {
  const made = builds.filter(
    (b) =>
      b.state === 'BUILT' &&
      b.source === source &&
      b.version === version &&
      (b.architecture === architecture || (architecture === 'all' && b.archAll)),
  );
  return made.sort((a, b) => b.id - a.id)[0] ?? null;
}
