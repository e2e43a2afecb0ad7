// What this daemon, as a peer, tells the others: its capacity and load, the chroots it
// can build in (ready ones, or being updated) and its jobs (the `peer_status` call).
import type { HostSlots } from '../builder/host-slots.js';
import type { ChrootKey } from '../chroot/chroot-paths.js';
import type { ChrootService } from '../chroot/chroot-service.js';
import type { PeerStatus } from './peer-api.js';

/** The chroots a peer job can build in: those with a base, ready or being updated. */
export function peerChroots(chroots: Pick<ChrootService, 'list'>): () => ChrootKey[] {
  return () =>
    chroots
      .list()
      .filter((c) => c.generation > 0 && (c.state === 'ready' || c.state === 'updating'))
      .map((c) => ({ codename: c.codename, architecture: c.architecture }));
}

export function peerStatus(deps: {
  identity: string;
  version: string;
  slots: Pick<HostSlots, 'inUse' | 'total'>;
  chroots: () => ChrootKey[];
  /** The architectures this host builds natively. */
  native: readonly string[];
  jobs: () => number;
}): () => PeerStatus {
  return () => {
    const running = deps.slots.inUse();
    const capacity = deps.slots.total;
    return {
      identity: deps.identity,
      version: deps.version,
      capacity,
      running,
      load: running / capacity,
      chroots: deps.chroots(),
      native: [...deps.native],
      jobs: deps.jobs(),
    };
  };
}
