/**
 * What the upload checks ask the archive. Owned here so the checks do not depend on how
 * the archive answers; the daemon wires the archive's implementation.
 */
export interface ArchiveQueries {
  /** The version of a source in a distribution (`bookworm-test-unstable`), or null. */
  currentVersion(distribution: string, source: string): string | null;
  /** The distributions of a repository (rollbacks included) holding this source version. */
  distributionsWithVersion(repository: string, source: string, version: string): string[];
  /**
   * Whether the repository's pool holds a source's file of this name (in a component)
   * with these contents: `same`, `different` (a clash) or `absent`.
   */
  poolFileStatus(
    repository: string,
    component: string,
    source: string,
    name: string,
    digests: { size: number; sha256: string },
  ): 'same' | 'different' | 'absent';
}

/** An archive with nothing in it: the answer until the archive is wired in. */
export const EMPTY_ARCHIVE: ArchiveQueries = {
  currentVersion: () => null,
  distributionsWithVersion: () => [],
  poolFileStatus: () => 'absent',
};
