import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { FtpConnection } from 'ftp-srv';

/** An FTP reply a hook sends instead of letting ftp-srv handle the command. */
export interface FtpRefusal {
  code: number;
  message: string;
}

/** What this code uses of ftp-srv's connection beyond its typings. */
interface ConnectionInternals {
  commandSocket: Socket;
  connector: { end(): void };
  on(event: 'STOR', listener: (error?: { code?: unknown }) => void): unknown;
  off(event: 'STOR', listener: (error?: { code?: unknown }) => void): unknown;
  secure: boolean;
  restByteCount: number | undefined;
  _handleData(data: Buffer): unknown;
  reply(code: number, ...messages: string[]): Promise<unknown>;
  commands: {
    parse(line: string): ParsedCommand;
    handle(command: string | ParsedCommand): Promise<unknown>;
  };
}

interface ParsedCommand {
  directive: string;
  arg: string | null;
}

export interface CommandHooks {
  /** Checked before STOR/APPE/STOU: a refusal is sent as is (ftp-srv would say 550). */
  refuseUpload(name: string, restart: boolean): Promise<FtpRefusal | null> | FtpRefusal | null;
  /** TLS context for AUTH TLS; null: AUTH TLS is refused. */
  tls: tls.SecureContext | null;
  /** Handles PASV (`extended` false) and EPSV, replying itself. */
  passive(extended: boolean): Promise<unknown>;
}

/**
 * Wraps one connection's command handling: uploads are checked first so a refusal gets
 * its proper code (553 for an existing name: dput then leaves the file and goes on) and
 * a failed upload keeps its code; passive mode is ours (one data listener per session);
 * AUTH TLS switches to TLS without racing the client's first TLS bytes.
 */
export function interceptCommands(connection: FtpConnection, hooks: CommandHooks): void {
  const internals = connection as unknown as ConnectionInternals;
  // Replies are small writes in pairs (150 … 226): without this, Nagle's algorithm and
  // the client's delayed ACK hold each file back by tens of milliseconds.
  internals.commandSocket.setNoDelay(true);
  const commands = internals.commands;
  const original = commands.handle.bind(commands);
  commands.handle = async (command) => {
    const parsed = typeof command === 'string' ? commands.parse(command) : command;
    if (['STOR', 'APPE', 'STOU'].includes(parsed.directive)) {
      const refusal = await hooks.refuseUpload(
        parsed.arg ?? '',
        parsed.directive === 'APPE' || (internals.restByteCount ?? 0) > 0,
      );
      if (refusal) {
        internals.restByteCount = 0;
        // The data connection this upload would have used is not needed any more.
        internals.connector.end();
        return internals.reply(refusal.code, refusal.message);
      }
      return keepingFailureCodes(internals, () => original(parsed));
    }
    if (['PASV', 'EPSV', 'PORT', 'EPRT'].includes(parsed.directive)) {
      // A session has one data connection: a new one replaces (and closes) the last.
      internals.connector.end();
      if (parsed.directive === 'PASV' || parsed.directive === 'EPSV') {
        return hooks.passive(parsed.directive === 'EPSV');
      }
    }
    if (parsed.directive === 'AUTH' && (parsed.arg ?? '').toUpperCase() === 'TLS' && hooks.tls) {
      return startTls(internals, hooks.tls);
    }
    return original(parsed);
  };
}

/** Errors of a data connection that broke during a transfer. */
const BROKEN_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/**
 * ftp-srv answers every failed upload with 550; a failure that carries an FTP code of its
 * own (552: no space, 426: the data connection broke) is answered with that code.
 */
async function keepingFailureCodes(
  connection: ConnectionInternals,
  store: () => Promise<unknown>,
): Promise<unknown> {
  let failure: number | undefined;
  const onStored = (error?: { code?: unknown }) => {
    const code = error?.code;
    if (typeof code === 'number' && code >= 400 && code < 600) failure = code;
    else if (typeof code === 'string' && BROKEN_CONNECTION.has(code)) failure = 426;
  };
  const reply = connection.reply;
  connection.on('STOR', onStored);
  connection.reply = (code, ...messages) =>
    reply.call(connection, code === 550 && failure ? failure : code, ...messages);
  try {
    return await store();
  } finally {
    connection.reply = reply;
    connection.off('STOR', onStored);
  }
}

/**
 * Explicit TLS on the control connection: stop reading plain commands, answer 234, and
 * hand the socket to TLS before any byte of the client's handshake is read as a command.
 */
async function startTls(
  connection: ConnectionInternals,
  context: tls.SecureContext,
): Promise<void> {
  if (connection.secure) {
    await connection.reply(202, 'TLS is already on');
    return;
  }
  const plain = connection.commandSocket;
  plain.pause();
  plain.removeAllListeners('data');
  await new Promise<void>((resolve) => plain.write('234 Switching to TLS\r\n', () => resolve()));
  const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: context });
  secure.on('data', (data: Buffer) => connection._handleData(data));
  // ftp-srv listens on the plain socket; let it hear what happens on the secure one.
  for (const event of ['timeout', 'end', 'close', 'error'] as const) {
    secure.on(event, (...args: unknown[]) => plain.emit(event, ...args));
  }
  const timeout = plain.timeout ?? 0;
  plain.setTimeout(0);
  if (timeout > 0) secure.setTimeout(timeout);
  connection.commandSocket = secure;
  connection.secure = true;
  // TLS reads through the plain socket's handle, which must read again.
  plain.resume();
}
