import { PermissionError } from '../../shared/errors.js';
import type { Archive } from '../../archive/archive.js';
import { implement, type CallImplementation } from '../api-router.js';
import { migrateCall, removeCall, restoreCall } from '../specs/archive-changes.js';

export interface ArchiveChangesDeps {
  archive: Pick<Archive, 'migrateChain' | 'remove' | 'restore'>;
  /**
   * The daemon's shutdown signal: a change, once asked for, is committed and published
   * even if the client goes away meanwhile.
   */
  shutdown: AbortSignal;
}

/** Changes to what the archive holds: migrate, remove, restore. */
export function archiveChangesRoutes(deps: ArchiveChangesDeps): CallImplementation[] {
  const { archive } = deps;

  return [
    implement(migrateCall, async (input, { principal }) => {
      if (input.force && principal.role !== 'admin') {
        throw new PermissionError('only an admin may migrate past failed tests (--force)');
      }
      const by = principal.user ?? 'anonymous';
      const options = { full: input.full, force: input.force, by };
      return {
        changes: await archive.migrateChain(
          input.distribution,
          input.package,
          options,
          deps.shutdown,
        ),
      };
    }),
    implement(removeCall, (input) =>
      archive.remove(input.distribution, input.package, deps.shutdown, {
        intoRollback: input.rollback,
      }),
    ),
    implement(restoreCall, (input) =>
      archive.restore(input.distribution, input.package, { version: input.version }, deps.shutdown),
    ),
  ];
}
