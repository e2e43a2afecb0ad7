import { createServer } from 'node:http';
import { homeLayout, type HomeLayout } from '../config/home-layout.js';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import type { Settings } from '../config/settings.js';
import { openDatabase, type Db } from '../db/database.js';
import { EventsRepository } from '../db/events-repository.js';
import { UsersRepository } from '../db/users-repository.js';
import { EventLog } from '../events/event-log.js';
import { ClosedFileSystem } from '../incoming/closed-file-system.js';
import { startFtpServer, type RunningFtpServer } from '../incoming/ftp-server.js';
import { ANONYMOUS, createApiRouter } from '../api/api-router.js';
import { statusRoutes } from '../api/routers/status-router.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createHttpApp } from '../web/http-app.js';
import { closeServer, listenOn } from '../web/listen.js';
import { createUiRouter } from '../web/ui-router.js';
import { bootstrapAdmin } from './bootstrap-admin.js';
import { acquireHomeLock, type HomeLock } from './home-lock.js';
import { checkHome, createHomeFolders } from './home.js';
import { packageInfo } from './package-info.js';

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
  /** Resolves once the daemon has stopped (after `stop()` or a fatal error). */
  stopped: Promise<void>;
  stop(reason?: string): Promise<void>;
}

/**
 * The composition root: prepares the home, opens the database, builds every service and
 * starts the listeners. On any start-up failure, what was started is stopped again.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { settings, logger } = options;
  const clock = options.clock ?? systemClock;
  const info = packageInfo();
  const layout = homeLayout(settings.home);
  const stack: { name: string; stop: () => Promise<void> | void }[] = [];
  const unwind = async () => {
    for (const { name, stop } of stack.reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error(`stopping ${name} failed`, { err: error });
      }
    }
    stack.length = 0;
  };

  try {
    checkHome(layout);
    const lock: HomeLock = acquireHomeLock(layout.lockFile, layout.root);
    stack.push({ name: 'home lock', stop: () => lock.release() });

    const db: Db = openDatabase(layout.database, { logger: logger.child({ module: 'db' }) });
    stack.push({ name: 'database', stop: () => closeDatabase(db) });
    createHomeFolders(layout);

    const events = new EventLog({
      store: new EventsRepository(db),
      clock,
      logger: logger.child({ module: 'events' }),
    });
    const users = new UsersRepository(db);
    await bootstrapAdmin({
      users,
      clock,
      logger: logger.child({ module: 'users' }),
      passwordFile: layout.adminPassword,
    });

    const startedAt = clock.now();
    const statusDeps = { version: info.version, identity: settings.identity, startedAt, clock };
    const apiRouter = createApiRouter({
      implementations: [...statusRoutes(statusDeps)],
      authenticate: () => ANONYMOUS,
      logger: logger.child({ module: 'api' }),
    });
    const app = createHttpApp({
      apiRouter,
      routers: [
        createUiRouter({
          status: () => ({
            version: info.version,
            identity: settings.identity,
            startedAt: startedAt.toISOString(),
          }),
        }),
      ],
      templatesDir: info.templatesDir,
      logger: logger.child({ module: 'http' }),
    });
    const server = createServer(app);
    const http = await listenOn(server, settings.http.listen, 'HTTP', '--http');
    stack.push({ name: 'HTTP server', stop: () => closeServer(server) });

    const ftpServer: RunningFtpServer = await startFtpServer({
      listen: settings.ftp.listen,
      logger: logger.child({ module: 'ftp' }),
      fileSystem: (connection) => new ClosedFileSystem(connection),
    });
    stack.push({ name: 'FTP server', stop: () => ftpServer.close() });

    events.emit({
      type: 'DAEMON',
      message: `debyard ${info.version} started`,
      details: { pid: process.pid },
    });
    stack.push({
      name: 'stop event',
      stop: () => void events.emit({ type: 'DAEMON', message: 'debyard stopping' }),
    });
    logger.info('debyard started', {
      home: layout.root,
      http: formatListenAddress(http),
      ftp: formatListenAddress(ftpServer.address),
    });

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    let stopping: Promise<void> | undefined;
    const urlHost = http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
    return {
      layout,
      http,
      ftp: ftpServer.address,
      url: `http://${formatListenAddress({ host: urlHost, port: http.port })}`,
      events,
      stopped,
      stop: (reason = 'stop requested') => {
        stopping ??= (async () => {
          logger.info('debyard stopping', { reason });
          await unwind();
          logger.info('debyard stopped');
          resolveStopped();
        })();
        return stopping;
      },
    };
  } catch (error) {
    logger.debug('start-up failed; stopping what was started', { error: describeError(error) });
    await unwind();
    throw error;
  }
}

function closeDatabase(db: Db): void {
  // Fold the WAL back into the main file so the home is a single consistent file at rest.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
