import { availableParallelism, totalmem } from 'node:os';
import { chrootRoutes } from '../../api/routers/chroots-router.js';
import { LiveLogHub } from '../../builder/live-log.js';
import { LocalBuilder } from '../../builder/local-builder.js';
import type { ChrootKey } from '../../chroot/chroot-paths.js';
import type { ChrootService } from '../../chroot/chroot-service.js';
import { createChroots } from '../../chroot/chroots.js';
import { describeLimits, hostLimits } from '../../chroot/build-limits.js';
import { nativeArchitectures } from '../../chroot/emulation.js';
import { detectHost, type HostInfo } from '../../chroot/host-info.js';
import { ResourceGroups } from '../../chroot/resource-groups.js';
import { ChrootsRepository } from '../../db/chroots-repository.js';
import { LocalRunner } from '../../exec/local-runner.js';
import { PtyRunner } from '../../exec/pty-runner.js';
import type { AppContext, DaemonPart } from '../part.js';

/** What later parts (the scheduler, the web UI) use of the chroots and the local builder. */
export interface ChrootsPart extends DaemonPart {
  chroots: ChrootService;
  builder: LocalBuilder;
  /** Live build logs for the web UI and API. */
  liveLogs: LiveLogHub;
  /** The host's codename and architecture. */
  defaultChroot: ChrootKey;
  /** The architectures this host builds natively; it emulates the others (qemu-user). */
  nativeArchitectures: readonly string[];
  /** Whether this host could create a chroot: a definition for it, the host's architecture. */
  canCreate(key: ChrootKey): boolean;
  /** Another local builder on the same bases, writing its logs to `logs`. */
  builderFor(logs: LiveLogHub): LocalBuilder;
}

const HOUR = 3_600_000;

/**
 * Base chroots and the local builder. At start: cleans what a crash left (mounts,
 * snapshots), creates the default chroot in the background unless switched off, and
 * updates every base on schedule.
 */
export function chrootsPart(ctx: AppContext, host: () => HostInfo = detectHost): ChrootsPart {
  const { settings, layout } = ctx;
  const logger = ctx.logger.child({ module: 'chroot' });
  const runner = new LocalRunner();
  const chroots = createChroots({
    db: ctx.db,
    store: new ChrootsRepository(ctx.db),
    events: ctx.events,
    runner,
    clock: ctx.clock,
    logger,
    host: host(),
    chrootsDir: layout.chroots,
    logsDir: layout.logs,
    definitionsDir: settings.chroots.definitions ?? ctx.info.chrootsDir,
  });
  const service = chroots.service;
  const defaultChroot = chroots.catalog.defaultKey;
  const liveLogs = new LiveLogHub({ maxBytes: settings.build.maxLogBytes });
  const pty = new PtyRunner();
  const groups = new ResourceGroups({ key: chroots.paths.snapshots });
  const limits = hostLimits(settings.build.limits, {
    cpus: availableParallelism(),
    memoryBytes: totalmem(),
    parallelism: settings.build.parallelism,
  });
  const builderFor = (logs: LiveLogHub) =>
    new LocalBuilder({
      bases: service,
      runner,
      pty,
      logs,
      clock: ctx.clock,
      snapshotsDir: chroots.paths.snapshots,
      groups,
      limits,
    });
  const builder = builderFor(liveLogs);
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'chroots',
    calls: chrootRoutes({ chroots: service, defaultKey: defaultChroot }),
    chroots: service,
    builder,
    liveLogs,
    defaultChroot,
    nativeArchitectures:
      settings.chroots.nativeArchitectures ?? nativeArchitectures(defaultChroot.architecture),
    canCreate: (key) => chroots.catalog.canCreate(key),
    builderFor,
    async start() {
      await chroots.recover();
      // Sets up the builds' cgroups and removes those a crash left behind.
      const enforced = groups.describe();
      const message = `build limits: ${describeLimits(limits)}; ${enforced}`;
      if (enforced.startsWith('cgroup')) logger.info(message);
      else logger.warn(message);
      if (settings.chroots.autoCreate) {
        try {
          if (service.ensure(defaultChroot, ctx.shutdown)) {
            logger.info('creating the default chroot in the background', { ...defaultChroot });
          }
        } catch (error) {
          logger.error('cannot create the default chroot', { err: error, ...defaultChroot });
        }
      }
      const interval = settings.chroots.updateIntervalHours * HOUR;
      if (interval > 0) {
        const check = () => void service.updateDue(interval, ctx.shutdown);
        timer = setInterval(check, Math.min(interval, HOUR));
        timer.unref();
      }
    },
    async stop() {
      clearInterval(timer);
      await service.stop();
      await groups.close();
    },
  };
}
