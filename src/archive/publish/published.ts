// Whether a distribution of a repository has been published: its signed InRelease is there.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PoolStore } from '../pool/pool-store.js';

export function isPublished(
  pool: Pick<PoolStore, 'repositoryRoot'>,
  repository: string,
  distribution: string,
): boolean {
  return existsSync(path.join(pool.repositoryRoot(repository), 'dists', distribution, 'InRelease'));
}
