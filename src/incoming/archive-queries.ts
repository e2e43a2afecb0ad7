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
   * A file in the repository's pool by name: absent, or present with its SHA-256 (the
   * pool never holds two files of one name).
   */
  poolFile(
    repository: string,
    source: string,
    name: string,
  ): { sha256: string; size: number } | null;
}

/** An archive with nothing in it: the answer until the archive is wired in. */
export const EMPTY_ARCHIVE: ArchiveQueries = {
  currentVersion: () => null,
  distributionsWithVersion: () => [],
  poolFile: () => null,
};
