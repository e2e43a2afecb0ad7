import { existsSync } from 'node:fs';
import path from 'node:path';
import type { InstallInput } from '../archive/archive.js';
import type { LintianMode } from '../builder/build-request.js';
import { BuildsRepository } from '../db/builds-repository.js';
import type { ExtraSourceRecord } from '../archive/extra-sources/extra-source-records.js';
import type { Db } from '../db/database.js';
import { UploadsRepository } from '../db/uploads-repository.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { BuildLauncher } from './build-launcher.js';
import { planBuilds } from './build-plan.js';
import { BuildRequests, type ArchiveAccess } from './build-requests.js';
import type { BuilderSet } from './builder-set.js';
import { Installer } from './installer.js';
import { QueueStore } from './queue-store.js';
import { Scheduler } from './scheduler.js';

export interface CreateSchedulerOptions {
  db: Db;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  /** The daemon's home and its builds folder. */
  home: string;
  buildsDir: string;
  archive: ArchiveAccess & {
    install(input: InstallInput, signal?: AbortSignal): Promise<unknown>;
  };
  builders: BuilderSet;
  settings: {
    timeLimitMs: number;
    maxAttempts: number;
    lintianMode: LintianMode;
    depwaitRetryMinutes?: number;
  };
  /** The extra apt sources of a distribution. */
  extraSources?: (distribution: string) => readonly ExtraSourceRecord[];
}

/** The scheduler with its store, requests, launcher and installer, wired. */
export function createScheduler(options: CreateSchedulerOptions): {
  scheduler: Scheduler;
  store: QueueStore;
  requests: BuildRequests;
} {
  const { db, events, clock, logger, home, archive, settings } = options;
  const store = new QueueStore({
    db,
    uploads: new UploadsRepository(db),
    builds: new BuildsRepository(db),
    events,
    clock,
  });
  const requests = new BuildRequests({
    home,
    buildsDir: options.buildsDir,
    archive,
    timeLimitMs: settings.timeLimitMs,
    extraSources: options.extraSources,
  });
  const scheduler = new Scheduler({
    store,
    builders: () => options.builders.all(),
    launcher: new BuildLauncher({
      store,
      requests,
      clock,
      logger,
      maxAttempts: settings.maxAttempts,
    }),
    installer: new Installer({
      store,
      archive,
      release: (id) => requests.release(id),
      home,
      logger,
    }),
    planner: {
      plan: (upload) =>
        planBuilds(upload, archive.resolve(upload.distribution ?? ''), settings.lintianMode),
      filesPresent: (upload) => existsSync(path.join(home, upload.spoolPath)),
    },
    logger,
    depwaitRetryMinutes: settings.depwaitRetryMinutes,
  });
  return { scheduler, store, requests };
}
