import { archiveChangesRoutes } from '../../api/routers/archive-changes-router.js';
import { snapshotRoutes } from '../../api/routers/snapshots-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { debianFormats } from '../../archive/debian-formats.js';
import { importDebs } from '../../archive/imports/import-debs.js';
import { importRepo } from '../../archive/imports/import-repo.js';
import { describeError } from '../../shared/errors.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ArchivePart } from './archive-part.js';

const HOUR = 3_600_000;

/**
 * Repository maintenance: migrate, remove and restore; imports of existing packages; snapshots (by hand and on
 * schedule); the sweep of pool files a crash left without a record (at start).
 */
export function maintenancePart(
  ctx: AppContext,
  deps: { archive: ArchivePart; config: ArchiveConfig },
): DaemonPart {
  const logger = ctx.logger.child({ module: 'maintenance' });
  const service = deps.archive.service;
  const background = (what: string, work: () => Promise<unknown>) =>
    void work().catch((error) => {
      if (!ctx.shutdown.aborted) logger.error(`${what} failed`, { error: describeError(error) });
    });
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, what: string, work: () => Promise<unknown>) => {
    const timer = setInterval(() => background(what, work), ms);
    timer.unref();
    timers.push(timer);
  };
  const { snapshots } = ctx.settings;
  return {
    name: 'maintenance',
    calls: [
      ...archiveChangesRoutes({
        archive: service.archive,
        shutdown: ctx.shutdown,
        importDebs: (input, signal) =>
          importDebs(
            { config: deps.config, archive: service.archive, formats: debianFormats },
            input,
            signal,
          ),
        importRepo: (input, signal) =>
          importRepo(
            {
              config: deps.config,
              archive: service.archive,
              formats: debianFormats,
              tmpDir: ctx.layout.tmp,
              fetch: (url, init) => fetch(url, init),
            },
            input,
            signal,
          ),
      }),
      ...snapshotRoutes({
        snapshots: service.snapshots,
        publicUrl: ctx.settings.http.publicUrl,
        shutdown: ctx.shutdown,
        config: deps.config,
      }),
    ],
    start() {
      background('sweeping the pool', () => service.sweepPool(ctx.shutdown));
      if (snapshots.intervalHours > 0) {
        every(snapshots.intervalHours * HOUR, 'scheduled snapshots', () =>
          service.takeScheduledSnapshots(snapshots.keep, ctx.shutdown),
        );
      }
    },
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
