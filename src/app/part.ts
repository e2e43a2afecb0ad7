import type { Router } from 'express';
import type { CallImplementation } from '../api/api-router.js';
import type { HomeLayout } from '../config/home-layout.js';
import type { Settings } from '../config/settings.js';
import type { Db } from '../db/database.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { UiContribution } from '../web/ui/ui-types.js';
import type { PackageInfo } from './package-info.js';

/** What every part of the daemon may use. */
export interface AppContext {
  settings: Settings;
  layout: HomeLayout;
  info: PackageInfo;
  logger: Logger;
  clock: Clock;
  db: Db;
  events: EventLog;
  startedAt: Date;
  /** Aborted when the daemon begins to stop; long operations take it. */
  shutdown: AbortSignal;
  /**
   * The daemon's own HTTP URL as this host reaches it (loopback for a wildcard listen
   * address), e.g. for builds fetching build dependencies from its archive. Known once
   * the listeners are up (parts' start()).
   */
  localUrl(): string;
}

/**
 * One domain's contribution to the daemon: its API calls, its HTTP routers and its
 * background work. Parts are built in order in daemon.ts (later parts receive earlier
 * ones' services), started after the listeners are up, stopped in reverse order.
 */
export interface DaemonPart {
  name: string;
  calls?: readonly CallImplementation[];
  /** Mounted in the API (`/api/v1`) after its calls: routes that are not calls. */
  apiRouters?: readonly Router[];
  /** Mounted at `/` after the API, in part order. */
  routers?: readonly Router[];
  /** Navigation entries and dashboard panels of the web UI. */
  ui?: UiContribution;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}
