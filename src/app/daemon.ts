import { createServer } from 'node:http';
import { homeLayout, type HomeLayout } from '../config/home-layout.js';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import type { Settings } from '../config/settings.js';
import { openDatabase, type Db } from '../db/database.js';
import { EventsRepository } from '../db/events-repository.js';
import { UsersRepository } from '../db/users-repository.js';
import { EventLog } from '../events/event-log.js';
import { createApiRouter, type CallImplementation } from '../api/api-router.js';
import { withAudit } from '../api/audit.js';
import { keysPart, keyDaysLeft } from './parts/keys-part.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { describeError, UnavailableError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createHttpApp } from '../web/http-app.js';
import { closeServer, listenOn } from '../web/listen.js';
import { bootstrapAdmin } from './bootstrap-admin.js';
import { acquireHomeLock } from './home-lock.js';
import { checkHome, createHomeFolders } from './home.js';
import { packageInfo } from './package-info.js';
import type { AppContext, DaemonPart } from './part.js';
import { archiveConfigPart } from './parts/archive-config-part.js';
import { archivePart } from './parts/archive-part.js';
import { authPart } from './parts/auth-part.js';
import { chrootsPart } from './parts/chroots-part.js';
import { eventsPart } from './parts/events-part.js';
import { incomingPart } from './parts/incoming-part.js';
import { schedulerPart } from './parts/scheduler-part.js';
import { peerPart } from './parts/peer-part.js';
import { remotesPart } from './parts/remotes-part.js';
import { maintenancePart } from './parts/maintenance-part.js';
import { notifyPart } from './parts/notify-part.js';
import { portsPart } from './parts/ports-part.js';
import { archiveQueriesFrom } from '../incoming/archive-adapter.js';
import { statusPart } from './parts/status-part.js';
import { webPart } from './parts/web-part.js';
import { uploaderKeysPart } from './parts/uploader-keys-part.js';
import { archiveAdminPart } from './parts/archive-admin-part.js';
import { buildsUiPart } from './parts/builds-ui-part.js';
import { chrootsUiPart } from './parts/chroots-ui-part.js';
import { incomingUiPart } from './parts/incoming-ui-part.js';
import { uploadsPart } from './parts/uploads-part.js';

export interface DaemonOptions {
  settings: Settings;
  logger: Logger;
  clock?: Clock;
}

/** A started daemon. */
export interface Daemon {
  layout: HomeLayout;
  http: ListenAddress;
  ftp: ListenAddress;
  /** Base URL of the HTTP listener, e.g. http://127.0.0.1:8066 */
  url: string;
  events: EventLog;
  /** The parts, by name (for in-process tests and tools). */
  parts: readonly DaemonPart[];
  /** Resolves once the daemon has stopped. */
  stopped: Promise<void>;
  stop(reason?: string): Promise<void>;
}

type Stoppable = { name: string; stop: () => Promise<void> | void };

/**
 * The composition root: prepares the home, opens the database, builds every part and
 * starts the listeners. On any start-up failure, what was started is stopped again.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { settings, logger } = options;
  const clock = options.clock ?? systemClock;
  const layout = homeLayout(settings.home);
  const stack: Stoppable[] = [];
  const shutdown = new AbortController();
  const unwind = () => stopAll(stack, logger);

  try {
    checkHome(layout);
    const lock = acquireHomeLock(layout.lockFile, layout.root);
    stack.push({ name: 'home lock', stop: () => lock.release() });
    const db = openDatabase(layout.database, { logger: logger.child({ module: 'db' }) });
    stack.push({ name: 'database', stop: () => closeDatabase(db) });
    createHomeFolders(layout);

    const events = new EventLog({
      store: new EventsRepository(db),
      clock,
      logger: logger.child({ module: 'events' }),
    });
    await bootstrapAdmin({
      users: new UsersRepository(db),
      clock,
      logger: logger.child({ module: 'users' }),
      passwordFile: layout.adminPassword,
    });
    const listening: { url?: string } = {};
    const ctx: AppContext = {
      settings,
      layout,
      info: packageInfo(),
      logger,
      clock,
      db,
      events,
      startedAt: clock.now(),
      shutdown: shutdown.signal,
      localUrl: () => {
        if (!listening.url) throw new UnavailableError('the daemon is not listening yet');
        return listening.url;
      },
    };

    const auth = authPart(ctx);
    const archiveConfig = archiveConfigPart(ctx);
    const archive = archivePart(ctx, { config: archiveConfig.config });
    const chroots = chrootsPart(ctx);
    const scheduler = schedulerPart(ctx, { config: archiveConfig.config, archive, chroots });
    const incoming = incomingPart(ctx, {
      archiveConfig: archiveConfig.config,
      archive: archiveQueriesFrom(archive.service.queries),
      builders: scheduler.buildable,
      instanceKey: () => ({
        armored: archive.signer().publicKeyArmored(),
        fingerprint: archive.signer().key.fingerprint,
      }),
    });
    // Early in the start order: hooks see the other parts' start-up events.
    const notify = notifyPart(ctx, {
      archiveConfig: archiveConfig.config,
      queueLength: () => scheduler.scheduler.overview().queued,
      keyDaysLeft: () => keyDaysLeft(archive, clock.now()),
    });
    scheduler.scheduler.handleRejected(incoming.processor);
    const remotes = remotesPart(ctx, { liveLogs: chroots.liveLogs, pages: auth.pages });
    scheduler.builders.add(() => remotes.remotes.builders());
    const pages = auth.pages;
    const ports = portsPart(ctx, {
      archiveConfig: archiveConfig.config,
      archive,
      incoming,
      chroots: chroots.chroots,
      hostArchitecture: chroots.defaultChroot.architecture,
    });
    // Pages run calls of other parts: asked per request, once every part is in the list.
    // Every change a user makes through them is an AUDIT event (api/audit.ts).
    let audited: CallImplementation[] | undefined;
    const calls = () =>
      (audited ??= withAudit(
        parts.flatMap((p) => p.calls ?? []),
        { emit: (event) => events.emit(event) },
      ));
    const parts: DaemonPart[] = [
      statusPart(ctx, { builds: () => scheduler.status(), incoming: () => incoming.gate.state() }),
      auth,
      eventsPart(ctx, auth.pages),
      notify,
      archiveConfig,
      chroots,
      peerPart(ctx, { chroots, authenticate: auth.authenticate, slots: scheduler.slots }),
      remotes,
      archive,
      scheduler,
      incoming,
      uploaderKeysPart(ctx, { keys: incoming.uploaderKeys, pages, calls }),
      archiveAdminPart(ctx, { config: archiveConfig.config, archive, pages, calls }),
      chrootsUiPart(ctx, { chroots, pages }),
      buildsUiPart({ scheduler, pages }),
      incomingUiPart(ctx, { incoming, pages }),
      uploadsPart(ctx, { incoming, scheduler, pages }),
      maintenancePart(ctx, { archive }),
      ports,
      keysPart(ctx, { archive, keyring: ports.keyring, pages, calls }),
    ];
    // Last: the web frame collects the other parts' navigation and dashboard panels.
    const web = webPart(ctx, auth.pages, parts);
    parts.push(web);

    const httpClosing = new AbortController();
    const app = createHttpApp({
      apiRouter: createApiRouter({
        implementations: calls(),
        routers: parts.flatMap((p) => p.apiRouters ?? []),
        authenticate: auth.authenticate,
        logger: logger.child({ module: 'api' }),
        closing: httpClosing.signal,
      }),
      frame: web.frame,
      routers: parts.flatMap((p) => p.routers ?? []),
      templatesDir: ctx.info.templatesDir,
      logger: logger.child({ module: 'http' }),
    });
    for (const part of parts) {
      if (part.stop) stack.push({ name: part.name, stop: () => part.stop!() });
    }
    // Popped before the parts stop: running work sees the abort, then parts wind down.
    stack.push({
      name: 'shutdown signal',
      stop: () => shutdown.abort(new Error('daemon stopping')),
    });

    const server = createServer(app);
    const http = await listenOn(server, settings.http.listen, 'HTTP', '--http');
    listening.url = urlOf(http);
    stack.push({
      name: 'HTTP server',
      stop: async () => {
        // Event streams deliver what was just published (the stop event) first.
        await new Promise((resolve) => setImmediate(resolve));
        httpClosing.abort(new Error('daemon stopping')); // ends open event streams
        await closeServer(server);
      },
    });

    for (const part of parts) await part.start?.();

    events.emit({
      type: 'DAEMON',
      message: `debyard ${ctx.info.version} started`,
      details: { pid: process.pid },
    });
    stack.push({
      name: 'stop event',
      stop: () => void events.emit({ type: 'DAEMON', message: 'debyard stopping' }),
    });
    logger.info('debyard started', {
      home: layout.root,
      http: formatListenAddress(http),
      ftp: formatListenAddress(incoming.ftpAddress()),
    });
    return running({ layout, http, ftp: incoming.ftpAddress(), events, parts, logger, unwind });
  } catch (error) {
    logger.debug('start-up failed; stopping what was started', { error: describeError(error) });
    await unwind();
    throw error;
  }
}

function running(input: {
  layout: HomeLayout;
  http: ListenAddress;
  ftp: ListenAddress;
  events: EventLog;
  parts: readonly DaemonPart[];
  logger: Logger;
  unwind: () => Promise<void>;
}): Daemon {
  const { http, logger } = input;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  return {
    layout: input.layout,
    http,
    ftp: input.ftp,
    url: urlOf(http),
    events: input.events,
    parts: input.parts,
    stopped,
    stop: (reason = 'stop requested') => {
      stopping ??= (async () => {
        logger.info('debyard stopping', { reason });
        await input.unwind();
        logger.info('debyard stopped');
        resolveStopped();
      })();
      return stopping;
    },
  };
}

/**
 * Stops in reverse start order: first the stop event, then the listeners stop accepting,
 * then the parts finish or checkpoint their work, then the database closes.
 */
async function stopAll(stack: Stoppable[], logger: Logger): Promise<void> {
  while (stack.length > 0) {
    const { name, stop } = stack.pop()!;
    try {
      await stop();
    } catch (error) {
      logger.error(`stopping ${name} failed`, { err: error });
    }
  }
}

/** The URL this host reaches a listener at (loopback for a wildcard address). */
function urlOf(http: ListenAddress): string {
  const host = http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
  return `http://${formatListenAddress({ host, port: http.port })}`;
}

function closeDatabase(db: Db): void {
  // Fold the WAL back into the main file so the home is a single consistent file at rest.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
