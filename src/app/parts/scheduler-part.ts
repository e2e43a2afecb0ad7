import { hiddenRepositories } from '../../api/hidden-repositories.js';
import { buildRoutes } from '../../api/routers/builds-router.js';
import type { StatusOutput } from '../../api/specs/status.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { isPublished } from '../../archive/publish/published.js';
import type { LintianMode } from '../../builder/build-request.js';
import { HostSlots } from '../../builder/host-slots.js';
import type { ExtraSourceRecord } from '../../archive/extra-sources/extra-source-records.js';
import { LocalHost } from '../../builder/local-host.js';
import { buildableArchitectures } from '../../scheduler/buildable.js';
import { BuilderSet } from '../../scheduler/builder-set.js';
import { createScheduler } from '../../scheduler/create-scheduler.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { buildsPanel } from '../../web/ui/builds-panel.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ArchivePart } from './archive-part.js';
import type { ChrootsPart } from './chroots-part.js';

export interface SchedulerPart extends DaemonPart {
  scheduler: Scheduler;
  /** The builders the scheduler chooses among: this host; remote peers add theirs. */
  builders: BuilderSet;
  /** This host's build slots: its own builds and the peer jobs it runs for others. */
  slots: HostSlots;
  /** For the incoming: which architectures some builder can build. */
  buildable: ReturnType<typeof buildableArchitectures>;
  /** What the status call shows of the builders and the queue. */
  status(): Pick<StatusOutput, 'load' | 'builders' | 'queue'>;
}

export interface SchedulerPartDeps {
  config: ArchiveConfig;
  archive: ArchivePart;
  chroots: ChrootsPart;
  /** The extra apt sources builds of a distribution use. */
  extraSources?: (distribution: string) => readonly ExtraSourceRecord[];
}

/**
 * The build queue: accepted uploads become builds on this host (and on remote peers),
 * built uploads are installed into the archive. Starts after the chroots (their recovery
 * removed what a crash left) and the archive (its key is loaded); the build calls and
 * the dashboard's queue panel.
 */
export function schedulerPart(ctx: AppContext, deps: SchedulerPartDeps): SchedulerPart {
  const { settings, layout } = ctx;
  const { chroots, archive } = deps;
  const builders = new BuilderSet();
  // Shared with the peer jobs this host runs for others (the peer part takes slots too).
  const slots = new HostSlots(settings.build.parallelism, (): number =>
    scheduler.runningOn('local'),
  );
  const local = new LocalHost({
    builder: chroots.builder,
    chroots: chroots.chroots,
    slots,
    native: chroots.nativeArchitectures,
  });
  builders.add(() => [local]);
  const { scheduler } = createScheduler({
    db: ctx.db,
    events: ctx.events,
    clock: ctx.clock,
    logger: ctx.logger.child({ module: 'scheduler' }),
    home: layout.root,
    buildsDir: layout.builds,
    archive: {
      resolve: (name) => deps.config.resolve(name),
      poolFile: (repository, poolPath) => archive.service.pool.absolute(repository, poolPath),
      published: (repository, dist) => isPublished(archive.service.pool, repository, dist),
      // Peers reach the daemon at its public URL; this host on loopback.
      baseUrl: (builder) =>
        builder === local.name ? ctx.localUrl() : (settings.http.publicUrl ?? ctx.localUrl()),
      publicKey: () => archive.releaseKeys().publicKeyArmored(),
      origin: settings.identity,
      install: (input, signal) => archive.service.archive.install(input, signal),
    },
    builders,
    settings: {
      timeLimitMs: settings.build.timeLimitSeconds * 1000,
      maxAttempts: settings.build.maxAttempts,
      lintianMode: settings.build.lintianMode as LintianMode,
      depwaitRetryMinutes: settings.build.depwaitRetryMinutes,
    },
    extraSources: deps.extraSources,
  });
  return {
    name: 'scheduler',
    scheduler,
    builders,
    slots,
    buildable: buildableArchitectures({
      builders: () => builders.all(),
      localChroots: () => chroots.chroots.list(),
      canCreate: (key) => chroots.canCreate(key),
    }),
    calls: buildRoutes({ queue: scheduler, logs: chroots.liveLogs, config: deps.config }),
    status: () => {
      const { builders: all, queued, building, load } = scheduler.overview();
      return { builders: all, queue: { queued, building }, load };
    },
    ui: {
      panels: [
        buildsPanel({
          scheduler,
          latestEventId: () => ctx.events.list({ limit: 1 })[0]?.id ?? 0,
          hiddenRepositories: (principal) => [...hiddenRepositories(deps.config, principal)],
        }),
      ],
    },
    start: () =>
      scheduler.start({
        shutdown: ctx.shutdown,
        events: ctx.events,
        maxAttempts: settings.build.maxAttempts,
      }),
    stop: () => scheduler.stop(),
  };
}
