import type { Request } from 'express';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { Snapshots } from '../../archive/snapshots/snapshots.js';
import type { SnapshotRecord } from '../../archive/snapshots/snapshot-records.js';
import { implement, type CallImplementation } from '../api-router.js';
import { hiddenRepositories } from '../hidden-repositories.js';
import {
  snapshotCreateCall,
  snapshotDeleteCall,
  snapshotsCall,
  type SnapshotView,
} from '../specs/snapshots.js';

export interface SnapshotRoutesDeps {
  snapshots: Pick<Snapshots, 'create' | 'list' | 'delete'>;
  /** Base URL clients reach the daemon at; null to take it from the request. */
  publicUrl: string | null;
  /** A snapshot, once asked for, is taken even if the client goes away. */
  shutdown: AbortSignal;
  /** Which repositories exist and which are private (hidden from anonymous callers). */
  config: Pick<ArchiveConfig, 'repositories'>;
}

/** snapshots, snapshot_create, snapshot_delete. */
export function snapshotRoutes(deps: SnapshotRoutesDeps): CallImplementation[] {
  const view = (req: Request, s: SnapshotRecord): SnapshotView => {
    const base = (deps.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(
      /\/+$/,
      '',
    );
    return {
      repository: s.repository,
      name: s.name,
      distribution: s.distribution,
      sources: s.sources,
      binaries: s.binaries,
      automatic: s.automatic,
      createdAt: s.createdAt,
      url: `${base}/repos/${s.repository}/snapshots/${s.name}/`,
    };
  };
  return [
    implement(snapshotsCall, (input, context) => {
      const hidden = hiddenRepositories(deps.config, context.principal);
      return deps.snapshots
        .list({ repository: input.repo, distribution: input.distribution })
        .filter((s) => !hidden.has(s.repository))
        .map((s) => view(context.request, s));
    }),
    implement(snapshotCreateCall, async (input, context) =>
      view(context.request, await deps.snapshots.create(input, deps.shutdown)),
    ),
    implement(snapshotDeleteCall, async (input, context) =>
      view(context.request, await deps.snapshots.delete(input.repo, input.name)),
    ),
  ];
}
