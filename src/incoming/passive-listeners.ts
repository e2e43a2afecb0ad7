import net from 'node:net';
import tls from 'node:tls';
import { atMostEvery } from '../shared/every.js';
import type { Logger } from '../shared/logger.js';
import { AddressLimit } from './address-limit.js';
import { clientAddressKey, plainAddress } from './client-address.js';
import { ConnectorError } from './ftp-errors.js';
import { randomPortOrder } from './random-ports.js';

export interface PassiveListenersOptions {
  /** The address listeners bind to (the control connection's listen address). */
  host: string;
  /** The configured range; `{ min: 0, max: 0 }` lets the system pick any free port. */
  ports: { min: number; max: number };
  /** Most listeners open at once for one client address (an IPv6 /64). */
  maxPerAddress: number;
  /** A listener no client connected to within this is closed. */
  idleTimeoutMs: number;
  logger: Logger;
}

export interface PassiveRequest {
  /** The client's address: the only one whose data connection is taken. */
  clientAddress: string;
  /** Server-side TLS options when the session is secure (data connections use TLS too). */
  tls: tls.TlsOptions | null;
  /** A data connection from the client (for TLS: once its handshake is done). */
  onConnection(socket: net.Socket): void;
}

/** One open passive data listener. */
export interface PassiveListener {
  server: net.Server;
  port: number;
  /** Stops listening and ends its data connection (destroyed if it does not end soon). */
  close(): void;
}

/** How long a closed listener's data connection may take to end before it is destroyed. */
const END_GRACE_MS = 2000;

class Listener implements PassiveListener {
  port = 0;
  private readonly sockets = new Set<net.Socket>();
  private idle: NodeJS.Timeout | undefined;
  private counted = true;

  constructor(
    readonly server: net.Server,
    /** Gives back the address's count. */
    private readonly giveBack: () => void,
  ) {
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.once('close', () => {
      this.release();
      clearTimeout(this.idle);
    });
  }

  /** Closes the listener unless the client's data connection comes within `ms`. */
  closeUnlessServedWithin(ms: number): void {
    this.idle = setTimeout(() => this.close(), ms).unref();
  }

  served(): void {
    clearTimeout(this.idle);
  }

  close(): void {
    this.release();
    this.server.close();
    for (const socket of this.sockets) {
      if (!socket.writableEnded) socket.end();
      setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
    }
  }

  destroy(): void {
    this.release();
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * The address's count is given back as soon as the listener closes (not once its data
   * connection has ended too): the session's next PASV may follow at once.
   */
  private release(): void {
    if (!this.counted) return;
    this.counted = false;
    this.giveBack();
  }
}

/**
 * The passive data listeners of all FTP sessions: each on a free port drawn at random
 * from the whole configured range, at most `maxPerAddress` per client address, closed
 * when no client connects in time; `closeAll()` closes every one of them at once.
 */
export class PassiveListeners {
  private readonly open = new Set<Listener>();
  private readonly perAddress: AddressLimit;
  private closed = false;
  private readonly warnNow = atMostEvery(60_000);

  constructor(private readonly options: PassiveListenersOptions) {
    this.perAddress = new AddressLimit(options.maxPerAddress);
  }

  /** Opens a listener for a session; refuses (ConnectorError, 425) past the limits. */
  async listen(request: PassiveRequest): Promise<PassiveListener> {
    if (this.closed) throw new ConnectorError('The server is stopping', 421);
    const key = clientAddressKey(request.clientAddress);
    if (!this.perAddress.take(key)) {
      throw new ConnectorError(
        `Too many passive data connections from your address (${this.perAddress.limit} open); finish or close your other FTP sessions first`,
        425,
      );
    }
    const listener: Listener = new Listener(
      this.createServer(request, () => listener.served()),
      () => this.perAddress.release(key),
    );
    listener.server.once('close', () => this.open.delete(listener));
    this.open.add(listener);
    try {
      listener.port = await this.bind(listener.server);
    } catch (error) {
      listener.destroy();
      this.open.delete(listener);
      throw error;
    }
    listener.closeUnlessServedWithin(this.options.idleTimeoutMs);
    if (this.closed) listener.destroy();
    return listener;
  }

  /** Closes every listener and destroys every data connection; refuses new ones. */
  closeAll(): void {
    this.closed = true;
    for (const listener of [...this.open]) listener.destroy();
  }

  /** A listener's server; `served` is called when the client's data connection comes. */
  private createServer(request: PassiveRequest, served: () => void): net.Server {
    const expected = plainAddress(request.clientAddress);
    const server = request.tls
      ? tls.createServer({ ...request.tls, pauseOnConnect: true } as tls.TlsOptions)
      : net.createServer({ pauseOnConnect: true });
    server.maxConnections = 1;
    const onSocketError = (error: Error) =>
      this.options.logger.debug('FTP data connection error', { err: error });
    server.on('connection', (socket: net.Socket) => {
      socket.on('error', onSocketError);
      if (plainAddress(socket.remoteAddress) !== expected) {
        this.options.logger[this.warnNow() ? 'warn' : 'debug'](
          'refused a data connection from another address',
          {
            from: socket.remoteAddress,
            session: request.clientAddress,
          },
        );
        socket.destroy();
        return;
      }
      // The listener has served its one connection: it closes with it.
      served();
      socket.once('close', () => server.close());
      if (!request.tls) request.onConnection(socket);
    });
    if (request.tls) {
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        socket.on('error', onSocketError);
        request.onConnection(socket);
      });
    }
    server.on('error', (error) =>
      this.options.logger.debug('passive data listener error', { err: error }),
    );
    return server;
  }

  /** Listens on a free port of the range (tried in random order) and returns it. */
  private async bind(server: net.Server): Promise<number> {
    const { host, ports } = this.options;
    if (ports.min === 0) return listenOn(server, 0, host) as Promise<number>;
    for (const port of randomPortOrder(ports.min, ports.max)) {
      if ((await listenOn(server, port, host)) !== null) return port;
    }
    this.options.logger[this.warnNow() ? 'warn' : 'debug'](
      'no free port for a passive data connection',
      {
        range: `${ports.min}-${ports.max}`,
      },
    );
    throw new ConnectorError(
      `No free port for a passive data connection (all of ${ports.min}-${ports.max} are in use); try again later`,
      425,
    );
  }
}

/** Listens on `port`; null when the port is taken (or not allowed), else the bound port. */
function listenOn(server: net.Server, port: number, host: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(null);
      else reject(new ConnectorError(`Cannot open a passive data port: ${error.message}`, 425));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, exclusive: true });
  });
}
