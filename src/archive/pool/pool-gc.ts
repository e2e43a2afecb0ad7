import {
  deletePoolFileRecord,
  servesRevisionBefore,
  unreferencedPoolFiles,
} from '../../db/archive-index-repository.js';
import type { Db } from '../../db/db-types.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { KeyedLock } from '../keyed-lock.js';
import type { PoolStore } from './pool-store.js';

/**
 * Removes pool files no package references any more, once they have been unreferenced for
 * the grace period and no still-served generation of any distribution names them (clients
 * holding an older index can still download what it lists).
 */
export async function collectPoolGarbage(deps: {
  db: Db;
  pool: PoolStore;
  locks: KeyedLock;
  clock: Clock;
  logger: Logger;
  graceMs: number;
}): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - deps.graceMs);
  let removed = 0;
  for (const file of unreferencedPoolFiles(deps.db, before)) {
    if (file.releases.some((r) => servesRevisionBefore(deps.db, r.dist, r.revision))) continue;
    // The same lock as installs of this source take, so a file coming back is never lost.
    const source = file.path.split('/')[3]!;
    await deps.locks.with([`source:${file.repository}:${source}`], async () => {
      if (deletePoolFileRecord(deps.db, file.id)) {
        await deps.pool.remove(file.repository, file.path);
        removed++;
      }
    });
  }
  if (removed > 0) deps.logger.info('removed unreferenced pool files', { removed });
  return removed;
}
