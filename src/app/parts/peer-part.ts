import path from 'node:path';
import type { Authenticate } from '../../api/api-router.js';
import { peerFilesRouter } from '../../api/routers/peer-files-router.js';
import { peerRoutes } from '../../api/routers/peers-router.js';
import { LiveLogHub } from '../../builder/live-log.js';
import type { HostSlots } from '../../builder/host-slots.js';
import { PeerJobs, type BuildSlots } from '../../remote/peer-jobs.js';
import { peerChroots, peerStatus } from '../../remote/peer-status.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ChrootsPart } from './chroots-part.js';

export interface PeerPart extends DaemonPart {
  jobs: PeerJobs;
}

/**
 * This daemon as a remote builder for others: the peer calls (status, jobs, logs) and
 * the raw file transfers of peer jobs, built in its own chroots on its own build slots.
 */
export function peerPart(
  ctx: AppContext,
  deps: { chroots: ChrootsPart; authenticate: Authenticate; slots: HostSlots },
): PeerPart {
  const readyChroots = peerChroots(deps.chroots.chroots);
  // The same slots as this host's own builds: together never more than build.parallelism.
  const slots: BuildSlots = {
    take: () => deps.slots.takeForPeer(),
    describe: () => deps.slots.describe(),
  };
  const logs = new LiveLogHub({ maxBytes: ctx.settings.build.maxLogBytes });
  const jobs = new PeerJobs({
    builder: deps.chroots.builderFor(logs),
    logs,
    dir: path.join(ctx.layout.builds, 'peer-jobs'),
    slots,
    readyChroots,
    clock: ctx.clock,
    logger: ctx.logger.child({ module: 'peer-jobs' }),
  });
  const status = peerStatus({
    identity: ctx.settings.identity,
    version: ctx.info.version,
    slots: deps.slots,
    chroots: readyChroots,
    native: deps.chroots.nativeArchitectures,
    jobs: () => jobs.count(),
  });
  return {
    name: 'peer',
    jobs: jobs,
    calls: peerRoutes({ jobs: jobs, status }),
    apiRouters: [
      peerFilesRouter({
        jobs: jobs,
        authenticate: deps.authenticate,
        logger: ctx.logger.child({ module: 'peer-files' }),
      }),
    ],
    start: () => jobs.recover(),
    stop: () => jobs.stop(),
  };
}
