import { createRequire } from 'node:module';
import net from 'node:net';
import type tls from 'node:tls';
import type { FtpConnection } from 'ftp-srv';
import { plainAddress } from './client-address.js';
import type { PassiveListener, PassiveListeners } from './passive-listeners.js';

/** ftp-srv's connector, as its commands (STOR, LIST, ABOR) use it. */
interface Connector {
  dataServer: net.Server | null;
  dataSocket: (net.Socket & { connected?: boolean }) | null;
  closeServer(): void;
}

/** What this code uses of ftp-srv's connection beyond its typings. */
interface ConnectionInternals {
  connector: Connector;
  commandSocket: net.Socket;
  secure: boolean;
  server: { options: { tls?: tls.TlsOptions | false } };
  reply(code: number, message: string): Promise<unknown>;
}

const require = createRequire(import.meta.url);
// ftp-srv's passive connector: its waitForConnection is what STOR and LIST wait on.
const FtpSrvPassive = require('ftp-srv/src/connector/passive.js') as new (
  connection: ConnectionInternals,
) => Connector;

/** ftp-srv's passive connector on a listener of ours; closing it closes the listener. */
class PassiveConnector extends FtpSrvPassive {
  listener: PassiveListener | null = null;

  override closeServer(): void {
    this.listener?.close();
    this.listener = null;
    this.dataServer = null;
  }
}

/**
 * PASV and EPSV: a data listener from `listeners` (a free port anywhere in the range,
 * within the per-address limit), replied as 227 with the address the client reached us
 * at, or 229. The caller has closed the session's previous data connection.
 */
export async function enterPassiveMode(
  connection: FtpConnection,
  extended: boolean,
  listeners: PassiveListeners,
): Promise<unknown> {
  const internals = connection as unknown as ConnectionInternals;
  const local = plainAddress(internals.commandSocket.localAddress);
  if (!extended && !net.isIPv4(local)) {
    return internals.reply(425, 'PASV names IPv4 addresses only; use EPSV');
  }
  const connector = new PassiveConnector(internals);
  internals.connector = connector;
  let listener: PassiveListener;
  try {
    listener = await listeners.listen({
      clientAddress: internals.commandSocket.remoteAddress ?? '',
      tls: internals.secure ? internals.server.options.tls || null : null,
      onConnection: (socket) => {
        connector.dataSocket = Object.assign(socket, { connected: true });
      },
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return internals.reply(typeof code === 'number' ? code : 425, (error as Error).message);
  }
  // The session ended, or sent another PASV, while the port was being found.
  if (internals.commandSocket.destroyed || internals.connector !== connector) {
    listener.close();
    return undefined;
  }
  connector.listener = listener;
  connector.dataServer = listener.server;
  const { port } = listener;
  if (extended) return internals.reply(229, `Entering Extended Passive Mode (|||${port}|)`);
  const host = local.replaceAll('.', ',');
  return internals.reply(
    227,
    `Entering Passive Mode (${host},${Math.floor(port / 256)},${port % 256})`,
  );
}
