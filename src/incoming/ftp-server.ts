import tls from 'node:tls';
import { FtpSrv, type FileSystem, type FtpConnection } from 'ftp-srv';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import type { Logger } from '../shared/logger.js';
import { AppError } from '../shared/errors.js';
import { interceptCommands, type FtpRefusal } from './ftp-commands.js';
import { ftpSrvLogger } from './ftp-logger.js';

export interface FtpServerOptions {
  listen: ListenAddress;
  logger: Logger;
  /** The file system a logged-in (anonymous) session sees. */
  fileSystem: (connection: FtpConnection) => FileSystem;
  /** Seconds a session may stay idle before it is closed. */
  idleTimeoutSeconds?: number;
  /** `{ min: 0, max: 0 }` lets the system pick any free port. */
  passivePorts?: { min: number; max: number };
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
  const server = new FtpSrv({
    url: `ftp://${formatListenAddress(options.listen)}`,
    anonymous: true,
    // Passive data connections go back to the address the client reached us at.
    pasv_url: ((clientIp: string) => clientIp.replace(/^::ffff:/, '')) as unknown as string,
    pasv_min: options.passivePorts?.min ?? 30000,
    pasv_max: options.passivePorts?.max ?? 30999,
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
    ({ connection }: { connection: FtpConnection }) =>
      interceptCommands(connection, {
        tls: secureContext,
        refuseUpload: (name, restart) => extras(connection)?.refuseUpload?.(name, restart) ?? null,
      }),
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
      await server.close();
    },
  };
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
