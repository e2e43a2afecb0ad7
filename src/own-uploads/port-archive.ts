// What ports ask of the archive (own-uploads/ports.ts's PortArchive), answered from the
// archive's queries and pool and from the uploads on their way in.
import type { ArchiveConfig } from '../archive/archive-config.js';
import type { ArchiveQueries } from '../archive/archive-queries.js';
import { poolDirectory } from '../archive/pool/pool-path.js';
import type { PoolStore } from '../archive/pool/pool-store.js';
import type { UploadsRepository } from '../db/uploads-repository.js';
import { versionWithoutEpoch } from '../debian/index.js';
import type { PortArchive } from './ports.js';

export function portArchive(deps: {
  config: ArchiveConfig;
  queries: Pick<ArchiveQueries, 'show' | 'uploadProblems'>;
  pool: Pick<PoolStore, 'absolute'>;
  uploads: Pick<UploadsRepository, 'inFlight'>;
}): PortArchive {
  const { config, queries, pool, uploads } = deps;

  /** A version on its way into the repository is taken too (the incoming refuses it). */
  function inFlightProblems(distribution: string, source: string, version: string) {
    const repo = config.resolve(distribution).repository.id;
    return uploads.inFlight(repo, source, version).map((u) => ({
      where: 'Version',
      message: `${source} ${version} is already being uploaded to repository ${repo} (upload ${u.id}, ${u.state})`,
    }));
  }

  return {
    sourceIn(distribution, source) {
      const repo = config.resolve(distribution).repository.id;
      const placed = queries
        .show([source], repo)
        .find((v) => v.source === source && v.distribution === distribution && v.hasDsc);
      if (!placed) return undefined;
      const dsc = `${poolDirectory(placed.component, source)}/${source}_${versionWithoutEpoch(placed.version)}.dsc`;
      return { version: placed.version, dsc: pool.absolute(repo, dsc) };
    },
    uploadProblems: (distribution, source, version) => [
      ...queries.uploadProblems(distribution, source, version),
      ...inFlightProblems(distribution, source, version),
    ],
  };
}
