import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { Clock } from '../../shared/clock.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ArchiveConfig } from '../archive-config.js';
import { formatDistributionName } from '../model/distribution-name.js';
import type { Snapshots } from './snapshots.js';

export interface ScheduledSnapshotsDeps {
  config: ArchiveConfig;
  snapshots: Snapshots;
  index: ArchiveIndexRepository;
  clock: Clock;
  logger: Logger;
}

/**
 * One round of scheduled snapshots: every suite distribution (no rollbacks) that holds
 * packages and changed since its last automatic snapshot gets one, named
 * `auto-<codename>-<suite>-<YYYYMMDD-HHMMSS>`; of the automatic ones, the newest `keep`
 * per distribution stay. Returns the names taken.
 */
export async function takeScheduledSnapshots(
  deps: ScheduledSnapshotsDeps,
  keep: number,
  signal?: AbortSignal,
): Promise<string[]> {
  const taken: string[] = [];
  const stamp = deps.clock
    .now()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\..*$/, '');
  for (const repo of deps.config.repositories()) {
    const layout = deps.config.layout(repo.layout);
    for (const d of repo.distributions) {
      for (const suite of layout.suites) {
        const dist = formatDistributionName({
          codename: d.codename,
          repository: repo.id,
          suite: suite.name,
          rollback: null,
        });
        const auto = deps.snapshots
          .list({ repository: repo.id, distribution: dist })
          .filter((s) => s.automatic);
        const state = deps.index.dist(dist);
        const changed = state && state.revision !== (auto.at(-1)?.revision ?? -1);
        if (changed && deps.snapshots.holdsPackages(dist)) {
          const name = `auto-${d.codename}-${suite.name}-${stamp}`;
          try {
            await deps.snapshots.create({ distribution: dist, name, automatic: true }, signal);
            taken.push(name);
            auto.push(deps.snapshots.get(repo.id, name));
          } catch (error) {
            deps.logger.error('a scheduled snapshot failed', { dist, error: describeError(error) });
          }
        }
        for (const old of auto.slice(0, Math.max(0, auto.length - keep))) {
          await deps.snapshots.delete(repo.id, old.name);
        }
      }
    }
  }
  return taken;
}
