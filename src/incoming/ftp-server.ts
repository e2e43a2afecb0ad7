import tls from 'node:tls';
import { FtpSrv, type FileSystem, type FtpConnection } from 'ftp-srv';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import type { Logger } from '../shared/logger.js';
import { AppError } from '../shared/errors.js';
import { atMostEvery } from '../shared/every.js';
import { AddressLimit } from './address-limit.js';
import { clientAddressKey } from './client-address.js';
import { interceptCommands, type FtpRefusal } from './ftp-commands.js';
import { ftpSrvLogger } from './ftp-logger.js';
import { enterPassiveMode } from './passive-command.js';
import { PassiveListeners } from './passive-listeners.js';

export interface FtpServerOptions {
  listen: ListenAddress;
  logger: Logger;
  /** The file system a logged-in (anonymous) session sees. */
  fileSystem: (connection: FtpConnection) => FileSystem;
  /** Seconds a session may stay idle before it is closed. */
  idleTimeoutSeconds?: number;
  /** `{ min: 0, max: 0 }` lets the system pick any free port. */
  passivePorts?: { min: number; max: number };
  /** Most sessions, and most passive data listeners, open at once per client address. */
  perAddress?: { sessions: number; passive: number };
  /** A passive data listener no client connected to is closed after this long. */
  passiveTimeoutSeconds?: number;
  /** PEM certificate and key: clients may then switch to TLS with AUTH TLS. */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
}

/** Optional extras of a session's file system. */
interface FileSystemExtras {
  /** Checked before an upload starts; a refusal is replied as is. */
  refuseUpload?(name: string, restart: boolean): Promise<FtpRefusal | null>;
  /** The session ended. */
  close?(): void;
}

const extras = (connection: FtpConnection) =>
  (connection as unknown as { fs?: FileSystemExtras }).fs;

export interface RunningFtpServer {
  address: ListenAddress;
  close(): Promise<void>;
}

/** Starts ftp-srv with anonymous login only. */
export async function startFtpServer(options: FtpServerOptions): Promise<RunningFtpServer> {
  const signalsBefore = signalListeners();
  const passive = new PassiveListeners({
    host: options.listen.host,
    ports: options.passivePorts ?? { min: 30000, max: 30999 },
    maxPerAddress: options.perAddress?.passive ?? 16,
    idleTimeoutMs: (options.passiveTimeoutSeconds ?? 30) * 1000,
    logger: options.logger.child({ module: 'ftp-passive' }),
  });
  const sessions = new AddressLimit(options.perAddress?.sessions ?? 32);
  const warnNow = atMostEvery(60_000);
  const server = new FtpSrv({
    url: `ftp://${formatListenAddress(options.listen)}`,
    anonymous: true,
    // PASV and EPSV are handled in passive-command.ts; with a pasv_url set ftp-srv does
    // not warn that passive mode is off.
    pasv_url: 'see passive-command.ts',
    greeting: ['debyard incoming'],
    timeout: (options.idleTimeoutSeconds ?? 300) * 1000,
    log: ftpSrvLogger(options.logger),
    ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
  });
  // ftp-srv installs SIGTERM/SIGINT handlers that exit the process; the daemon shuts
  // down in its own order, so remove them.
  for (const [signal, listeners] of signalListeners()) {
    for (const listener of listeners) {
      if (!signalsBefore.get(signal)?.includes(listener)) process.off(signal, listener);
    }
  }
  server.on('login', ({ connection, username }, resolve, reject) => {
    if (username !== 'anonymous' && username !== 'ftp') {
      reject(new Error('only anonymous login is accepted; log in as "anonymous"'));
      return;
    }
    resolve({ fs: options.fileSystem(connection) });
  });
  server.on('client-error', ({ error }) =>
    options.logger.debug('FTP client error', { err: error }),
  );
  replaceDisconnect(server);
  const secureContext = options.tls ? tls.createSecureContext(options.tls) : null;
  // ftp-srv emits 'connect' for each new session; its typings omit the event.
  (server as unknown as NodeJS.EventEmitter).on(
    'connect',
    ({ connection }: { connection: FtpConnection }) => {
      if (!admitSession(connection, sessions, options.logger, warnNow)) return;
      interceptCommands(connection, {
        tls: secureContext,
        refuseUpload: (name, restart) => extras(connection)?.refuseUpload?.(name, restart) ?? null,
        passive: (extended) => enterPassiveMode(connection, extended, passive),
      });
    },
  );
  server.on('disconnect', ({ connection }) => extras(connection)?.close?.());

  const raw = (server as unknown as { server: import('node:net').Server }).server;
  try {
    await server.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const shown = formatListenAddress(options.listen);
    throw new AppError(
      'unavailable',
      code === 'EADDRINUSE'
        ? `FTP address ${shown} is already in use by another program; stop it or pass --ftp HOST:PORT`
        : `cannot listen on FTP address ${shown}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const bound = raw.address();
  const address = {
    host: options.listen.host,
    port: typeof bound === 'object' && bound ? bound.port : options.listen.port,
  };
  return {
    address,
    close: async () => {
      // Every data listener and data connection goes first, whatever the clients do.
      passive.closeAll();
      await server.close();
    },
  };
}

/**
 * Counts a new session against its address's limit; past it, the session is told so
 * (421, before the greeting) and closed.
 */
function admitSession(
  connection: FtpConnection,
  sessions: AddressLimit,
  logger: Logger,
  warnNow: () => boolean,
): boolean {
  const internals = connection as unknown as {
    commandSocket: import('node:net').Socket;
    commands: { handle(command: unknown): Promise<unknown> };
  };
  const socket = internals.commandSocket;
  const key = clientAddressKey(socket.remoteAddress);
  if (!sessions.take(key)) {
    logger[warnNow() ? 'warn' : 'debug']('refused an FTP session: too many from one address', {
      address: socket.remoteAddress,
      limit: sessions.limit,
    });
    // Nothing the client sends before the socket is gone is handled.
    internals.commands.handle = () => Promise.resolve();
    socket.end(
      `421 Too many FTP sessions from your address (${sessions.limit} open); close some and try again\r\n`,
      () => socket.destroy(),
    );
    return false;
  }
  socket.once('close', () => sessions.release(key));
  return true;
}

function signalListeners(): Map<NodeJS.Signals, ((...args: unknown[]) => void)[]> {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];
  return new Map(signals.map((s) => [s, process.listeners(s) as ((...args: unknown[]) => void)[]]));
}

/**
 * ftp-srv's disconnectClient starts a timer (as long as the idle timeout) that nothing
 * clears, so a daemon that served a session could not exit for minutes after stopping.
 * The same steps without the timer.
 */
function replaceDisconnect(server: FtpSrv): void {
  const internals = server as unknown as {
    connections: Record<string, { close(code: number): unknown }>;
    disconnectClient(id: string): Promise<unknown>;
  };
  internals.disconnectClient = async (id: string) => {
    const client = internals.connections[id];
    if (!client) return;
    delete internals.connections[id];
    try {
      await client.close(0);
    } catch {
      // the session is gone either way
    }
  };
}
