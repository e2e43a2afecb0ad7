import type { ChrootsRepository } from '../db/chroots-repository.js';
import type { Db } from '../db/database.js';
import type { EventLog } from '../events/event-log.js';
import type { LocalRunner } from '../exec/local-runner.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { BaseOperations } from './base-operations.js';
import { hostBinfmt } from './binfmt-system.js';
import { emulator, type Emulator } from './emulation.js';
import { ChrootCatalog } from './chroot-catalog.js';
import { ChrootPaths } from './chroot-paths.js';
import { ChrootService } from './chroot-service.js';
import { ChrootState } from './chroot-state.js';
import { loadDefinitions } from './definition.js';
import type { HostInfo } from './host-info.js';
import { recoverChroots } from './recovery.js';

export interface ChrootsOptions {
  db: Db;
  store: ChrootsRepository;
  events: EventLog;
  runner: LocalRunner;
  clock: Clock;
  logger: Logger;
  host: HostInfo;
  /** `<home>/chroots` and `<home>/logs`. */
  chrootsDir: string;
  logsDir: string;
  /** The folder of chroot definitions (chroots/ of the package by default). */
  definitionsDir: string;
}

/** The chroot domain, wired: the service, its paths and the start-up recovery. */
export interface Chroots {
  service: ChrootService;
  paths: ChrootPaths;
  catalog: ChrootCatalog;
  /** Run once at start, before any build: clean leftovers, settle interrupted work. */
  recover(): Promise<void>;
  /** Readies this host for foreign architectures (qemu-user through binfmt_misc). */
  emulation: Emulator;
}

export function createChroots(options: ChrootsOptions): Chroots {
  const paths = new ChrootPaths(options.chrootsDir, options.logsDir);
  const catalog = new ChrootCatalog(
    loadDefinitions(options.definitionsDir),
    options.host,
    options.definitionsDir,
  );
  const state = new ChrootState({
    db: options.db,
    store: options.store,
    events: options.events,
    clock: options.clock,
  });
  const emulation = emulator(options.host.architecture, hostBinfmt(options.runner));
  const service = new ChrootService({
    state,
    operations: new BaseOperations(options.runner, paths, emulation),
    catalog,
    paths,
    logger: options.logger,
  });
  return {
    service,
    paths,
    catalog,
    emulation,
    recover: () => recoverChroots({ state, paths, runner: options.runner, logger: options.logger }),
  };
}
