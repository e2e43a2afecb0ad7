import type { ArchivePackagesRepository } from '../db/archive-packages-repository.js';
import type { ArchiveQueryRepository } from '../db/archive-query-repository.js';
import type {
  BinaryDetail,
  HeldSourceRow,
  PlacedBinary,
  PlacedSourceRow,
} from './package-records.js';
import { InvalidInputError, type Problem } from '../shared/errors.js';
import type { ArchiveConfig } from './archive-config.js';
import { poolDirectory } from './pool/pool-path.js';
import { versionPolicyProblems } from './model/version-policy.js';
import type { FileDigests } from './ports.js';

/** A source version as placed in a distribution (its row, the stanza read), with its binaries. */
export type SourceVersionInfo = Omit<PlacedSourceRow, 'stanza'> & {
  /** The Architecture field of its .dsc (null: no .dsc). */
  dscArchitectures: string[] | null;
  binaries: PlacedBinary[];
};

export interface QueriesDeps {
  config: ArchiveConfig;
  queries: ArchiveQueryRepository;
  packages: ArchivePackagesRepository;
  compareVersions: (a: string, b: string) => number;
}

/** The Architecture field of a Sources stanza, as a list (null: no stanza). */
export function stanzaArchitectures(stanza: string | null): string[] | null {
  if (stanza === null) return null;
  const field = /^Architecture:[ \t]*(.*)$/m.exec(stanza);
  return field ? field[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

/** Questions about the archive's contents, for the API, the web UI and incoming. */
export class ArchiveQueries {
  constructor(private readonly deps: QueriesDeps) {}

  /** Every version of the named sources (or of the sources of the named binaries) in every distribution. */
  show(names: readonly string[], repository?: string): SourceVersionInfo[] {
    return this.deps.queries.placements(names, repository).map(({ stanza, ...row }) => ({
      ...row,
      dscArchitectures: stanzaArchitectures(stanza),
      binaries: this.deps.queries.binaries(row.repository, row.source, row.version),
    }));
  }

  /** The source versions a distribution holds, with their stanza and binary architectures. */
  sourcesIn(distribution: string): HeldSourceRow[] {
    return this.deps.queries.sourcesIn(distribution);
  }

  /** Binary package names a distribution holds, in order (at most `limit`). */
  binaryNamesIn(distribution: string, limit = 50): string[] {
    return this.deps.queries.binaryNamesIn(distribution, limit);
  }

  /** How many sources each distribution of a repository holds (rollbacks included). */
  placementCounts(repository: string): Map<string, number> {
    return this.deps.queries.placementCounts(repository);
  }

  /** The source files of a version in a repository's pool (.dsc, tarballs). */
  sourceFiles(
    repository: string,
    source: string,
    version: string,
  ): { path: string; size: number; sha256: string }[] {
    return this.deps.queries.sourceFiles(repository, source, version);
  }

  /** The binaries of a source version with their sizes and the files they install. */
  binaryDetails(repository: string, source: string, version: string): BinaryDetail[] {
    return this.deps.queries.binaryDetails(repository, source, version);
  }

  /** Source and binary names containing `text` (`*` matches anything), outside `excluded` repositories. */
  search(
    text: string,
    limit = 100,
    excluded: readonly string[] = [],
  ): { name: string; kind: 'source' | 'binary' }[] {
    if (!/^[a-z0-9.+*-]{1,100}$/.test(text)) {
      throw new InvalidInputError(
        `"${text}" is not a package name pattern (lower-case letters, digits, . + - and *)`,
      );
    }
    const like = `%${text.replace(/[%_\\]/g, (c) => `\\${c}`).replace(/\*/g, '%')}%`;
    return this.deps.queries.searchNames(like, Math.min(Math.max(limit, 1), 1000), excluded);
  }

  /**
   * Why an upload of `source version` to `distribution` would be refused: the version
   * policy, not higher than the suite's current version, present in the repository
   * already. Empty when it would be accepted. (The distribution must resolve.)
   */
  uploadProblems(distribution: string, source: string, version: string): Problem[] {
    const target = this.deps.config.resolve(distribution);
    const repo = target.repository.id;
    const problems = versionPolicyProblems(
      version,
      repo,
      target.distribution.codeversion,
      target.suite,
    );
    const current = this.deps.packages.placement(distribution, source);
    if (current && this.deps.compareVersions(version, current.version) <= 0) {
      problems.push({
        where: 'Version',
        message: `${version} is not higher than ${current.version}, the version of ${source} in ${distribution}`,
      });
    }
    if (this.deps.queries.versions(repo, source).includes(version)) {
      problems.push({
        where: 'Version',
        message: `${source} ${version} is in repository ${repo} already; a version is uploaded once`,
      });
    }
    return problems;
  }

  /**
   * Whether the pool of the repository holds `fileName` of `source` with these checksums:
   * 'same', 'different' (a clash), or 'absent'.
   */
  poolFileStatus(
    repository: string,
    component: string,
    source: string,
    fileName: string,
    digests: Pick<FileDigests, 'size' | 'sha256'>,
  ): 'same' | 'different' | 'absent' {
    const file = this.deps.packages.findPoolFile(
      repository,
      `${poolDirectory(component, source)}/${fileName}`,
    );
    if (!file) return 'absent';
    return file.sha256 === digests.sha256 && file.size === digests.size ? 'same' : 'different';
  }
}
