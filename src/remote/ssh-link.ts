import ssh2 from 'ssh2';
import type { Duplex } from 'node:stream';
import { RemotePeerError } from '../shared/errors.js';
import { describeHostKey, hostKeyOf, HostKeyMismatchError, type HostKey } from './host-key.js';

/** Where and as whom to log in. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** The client's private key (OpenSSH or PEM format, unencrypted). */
  privateKey: string;
}

export interface SshTimings {
  /** TCP connect plus handshake plus authentication. */
  connectTimeoutMs: number;
  /** SSH keepalives: a peer that misses `keepaliveCountMax` in a row is dropped. */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export const DEFAULT_SSH_TIMINGS: SshTimings = {
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 5_000,
  keepaliveCountMax: 3,
};

/**
 * Which host key to accept: the pinned one; or, on first contact, any (or the one with
 * the fingerprint the admin expects), which the caller then pins.
 */
export type HostKeyCheck =
  { pinned: Pick<HostKey, 'algorithm' | 'fingerprint'> } | { firstContact: true; expect?: string };

/**
 * One SSH connection to a peer, opened on first use and again after it dropped, that
 * hands out `direct-tcpip` channels (ssh -L without a listening port) to addresses as
 * the peer sees them.
 */
export class SshLink {
  private client: ssh2.Client | null = null;
  private connecting: Promise<ssh2.Client> | null = null;
  private offered: HostKey | null = null;
  private closed = false;

  constructor(
    private readonly target: SshTarget,
    private readonly check: HostKeyCheck,
    /** Names the peer in messages, e.g. `peer builder2 (10.0.0.2:22)`. */
    readonly label: string,
    private readonly timings: SshTimings = DEFAULT_SSH_TIMINGS,
  ) {}

  /** The host key the peer offered on the last contact. */
  get hostKey(): HostKey | null {
    return this.offered;
  }

  /** Connects (if not connected); rejects with a RemotePeerError that says why not. */
  connect(signal?: AbortSignal): Promise<ssh2.Client> {
    if (this.closed) return Promise.reject(new RemotePeerError(`${this.label}: link closed`));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return abortable(this.connecting, signal);
  }

  /** A channel to `host:port` as seen from the peer (its loopback, typically). */
  async forward(host: string, port: number, signal?: AbortSignal): Promise<Duplex> {
    const client = await this.connect(signal);
    const channel = new Promise<Duplex>((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
        if (error) {
          reject(
            new RemotePeerError(
              `${this.label}: its sshd cannot open a connection to ${host}:${port} (${error.message.replace(/^\(SSH\) /, '')}); is the debyard daemon running there, and may this key forward to it (permitopen)?`,
              { cause: error },
            ),
          );
        } else resolve(stream);
      });
    });
    return abortable(channel, signal);
  }

  /** Drops the connection; the next use opens a new one. */
  reset(): void {
    const client = this.client;
    this.client = null;
    client?.end();
  }

  /** Drops the connection for good. */
  close(): void {
    this.closed = true;
    this.reset();
  }

  private open(): Promise<ssh2.Client> {
    const client = new ssh2.Client();
    let mismatch: HostKeyMismatchError | null = null;
    return new Promise((resolve, reject) => {
      client.on('ready', () => {
        if (this.closed) {
          client.end();
          reject(new RemotePeerError(`${this.label}: link closed`));
          return;
        }
        this.client = client;
        resolve(client);
      });
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        if (this.client === client) this.client = null;
        reject(mismatch ?? connectError(this.label, this.target, error));
      });
      client.on('close', () => {
        if (this.client === client) this.client = null;
        reject(new RemotePeerError(`${this.label}: the connection closed during the handshake`));
      });
      client.connect({
        host: this.target.host,
        port: this.target.port,
        username: this.target.user,
        privateKey: this.target.privateKey,
        readyTimeout: this.timings.connectTimeoutMs,
        keepaliveInterval: this.timings.keepaliveIntervalMs,
        keepaliveCountMax: this.timings.keepaliveCountMax,
        hostVerifier: (blob: Buffer) => {
          const offered = hostKeyOf(blob);
          this.offered = offered;
          mismatch = this.verify(offered);
          return mismatch === null;
        },
      });
    });
  }

  private verify(offered: HostKey): HostKeyMismatchError | null {
    if ('pinned' in this.check) {
      if (offered.fingerprint === this.check.pinned.fingerprint) return null;
      return new HostKeyMismatchError(
        this.label,
        this.check.pinned,
        offered,
        "If the peer's host key was changed on purpose, remove the peer and add it again.",
      );
    }
    const expect = this.check.expect;
    if (expect === undefined || expect === offered.fingerprint) return null;
    return new HostKeyMismatchError(
      this.label,
      { algorithm: offered.algorithm, fingerprint: expect },
      offered,
      `Compare with ssh-keygen -lf on the peer's host key (${describeHostKey(offered)} was offered).`,
    );
  }
}

/** What went wrong connecting, in words an admin acts on. */
function connectError(
  label: string,
  target: SshTarget,
  error: Error & { level?: string; code?: string },
): RemotePeerError {
  const where = `${target.host}:${target.port}`;
  let why: string;
  if (error.level === 'client-authentication') {
    why = `the peer refused the key for user ${target.user}; add the key's public half to ~${target.user}/.ssh/authorized_keys on the peer`;
  } else if (error.level === 'client-timeout') {
    why = `no SSH handshake with ${where} within the connect timeout`;
  } else if (error.code === 'ECONNREFUSED') {
    why = `${where} refused the connection; is sshd running there?`;
  } else if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH') {
    why = `${where} cannot be reached (no route to host)`;
  } else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    why = `the host name ${target.host} does not resolve`;
  } else if (error.code === 'ETIMEDOUT') {
    why = `connecting to ${where} timed out`;
  } else {
    why = error.message;
  }
  return new RemotePeerError(`${label}: cannot connect over SSH: ${why}`, { cause: error });
}

/** Settles with `promise`, or rejects with the signal's reason when it aborts first. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * Connects only far enough to see the host key a server offers (as ssh-keyscan does);
 * the connection is dropped before any authentication.
 */
export function scanHostKey(host: string, port: number, timeoutMs: number): Promise<HostKey> {
  const client = new ssh2.Client();
  let seen: HostKey | null = null;
  const label = `${host}:${port}`;
  return new Promise<HostKey>((resolve, reject) => {
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      if (seen) resolve(seen);
      else reject(connectError(label, { host, port, user: '-', privateKey: '' }, error));
    });
    client.on('close', () => {
      if (seen) resolve(seen);
      else reject(new RemotePeerError(`${label}: the connection closed before a host key`));
    });
    client.connect({
      host,
      port,
      username: 'debyard-scan',
      readyTimeout: timeoutMs,
      hostVerifier: (blob: Buffer) => {
        seen = hostKeyOf(blob);
        return false;
      },
    });
  }).finally(() => client.end());
}
