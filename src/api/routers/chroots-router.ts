import type { ChrootKey } from '../../chroot/chroot-paths.js';
import type { ChrootInfo, ChrootService } from '../../chroot/chroot-service.js';
import { implement, type CallImplementation } from '../api-router.js';
import {
  chrootCreateCall,
  chrootListCall,
  chrootRemoveCall,
  chrootUpdateCall,
  type ChrootView,
} from '../specs/chroots.js';

export interface ChrootRoutesDeps {
  chroots: Pick<ChrootService, 'list' | 'create' | 'update' | 'remove'>;
  /** Codename and architecture when a call names none: the daemon host's. */
  defaultKey: ChrootKey;
}

/** A chroot as the API shows it. */
export const chrootView = (c: ChrootInfo): ChrootView => ({
  codename: c.codename,
  architecture: c.architecture,
  state: c.state,
  progress: c.progress,
  generation: c.generation,
  sizeBytes: c.sizeBytes,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  lastError: c.lastError,
  runningBuilds: c.runningBuilds,
});

export function chrootRoutes(deps: ChrootRoutesDeps): CallImplementation[] {
  const key = (input: { codename?: string; architecture?: string }): ChrootKey => ({
    codename: input.codename ?? deps.defaultKey.codename,
    architecture: input.architecture ?? deps.defaultKey.architecture,
  });
  return [
    implement(chrootListCall, () => deps.chroots.list().map(chrootView)),
    // Creating and updating go on in the background; their outcome is recorded on the chroot.
    implement(chrootCreateCall, (input) =>
      chrootView(deps.chroots.create(key(input), undefined, { from: input.from }).chroot),
    ),
    implement(chrootUpdateCall, (input) => chrootView(deps.chroots.update(key(input)).chroot)),
    implement(chrootRemoveCall, async (input) => {
      const target = key(input);
      await deps.chroots.remove(target);
      return { removed: `${target.codename}/${target.architecture}` };
    }),
  ];
}
