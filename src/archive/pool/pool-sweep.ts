import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArchivePackagesRepository } from '../../db/archive-packages-repository.js';
import type { Logger } from '../../shared/logger.js';
import type { KeyedLock } from '../keyed-lock.js';
import type { PoolStore } from './pool-store.js';

export interface PoolSweepDeps {
  pool: PoolStore;
  packages: Pick<ArchivePackagesRepository, 'findPoolFile'>;
  locks: KeyedLock;
  logger: Logger;
}

/**
 * Removes pool files no database row names: files an install put in the pool before a
 * crash stopped it from committing, and temporary files of interrupted copies. Each
 * source folder is swept under its source lock (the one installs hold from putting files
 * to the commit), so a running install never loses a file. Returns how many went.
 */
export async function sweepPool(
  deps: PoolSweepDeps,
  repository: string,
  signal?: AbortSignal,
): Promise<number> {
  const poolRoot = path.join(deps.pool.repositoryRoot(repository), 'pool');
  let removed = 0;
  for (const component of await subfolders(poolRoot)) {
    for (const prefix of await subfolders(path.join(poolRoot, component))) {
      for (const source of await subfolders(path.join(poolRoot, component, prefix))) {
        signal?.throwIfAborted();
        const rel = `pool/${component}/${prefix}/${source}`;
        await deps.locks.with([`source:${repository}:${source}`], async () => {
          const names = await fs.readdir(path.join(deps.pool.repositoryRoot(repository), rel));
          for (const name of names) {
            const poolPath = `${rel}/${name}`;
            if (deps.packages.findPoolFile(repository, poolPath)) continue;
            await deps.pool.remove(repository, poolPath);
            removed++;
          }
        });
      }
    }
  }
  if (removed > 0) {
    deps.logger.warn('removed pool files without a database record (left by a crash)', {
      repository,
      removed,
    });
  }
  return removed;
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
