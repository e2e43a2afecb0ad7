import type { ArchiveQueries as ArchiveReader } from '../archive/archive-queries.js';
import { parseDistributionName } from '../archive/model/distribution-name.js';
import type { ArchiveQueries } from './archive-queries.js';

/** The incoming's questions answered by the archive's own queries. */
export function archiveQueriesFrom(reader: ArchiveReader): ArchiveQueries {
  // `show` also finds sources by their binaries' names: keep the source's own rows.
  const versions = (source: string, repository?: string) =>
    reader.show([source], repository).filter((v) => v.source === source);
  return {
    currentVersion: (distribution, source) =>
      versions(source, parseDistributionName(distribution)?.repository).find(
        (v) => v.distribution === distribution,
      )?.version ?? null,
    distributionsWithVersion: (repository, source, version) =>
      versions(source, repository)
        .filter((v) => v.version === version)
        .map((v) => v.distribution),
    poolFileStatus: (repository, component, source, name, digests) =>
      reader.poolFileStatus(repository, component, source, name, digests),
  };
}
