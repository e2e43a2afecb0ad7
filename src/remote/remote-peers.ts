import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Builder } from '../builder/builder.js';
import type { LiveLogHub } from '../builder/live-log.js';
import { inTransaction, type Db } from '../db/database.js';
import type { RemotesRepository } from '../db/remotes-repository.js';
import type { RemoteRecord } from './remote-records.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import { writeFileAtomic } from '../shared/atomic-fs.js';
import { AppError, ConflictError, describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { describeHostKey } from './host-key.js';
import { firstContact, type AddRemoteInput } from './first-contact.js';
import type { PeerStatus } from './peer-api.js';
import { PeerEntry, peerLabel, type ConnectPeer, type PeerConnection } from './peer-entry.js';
import { RemoteBuilder } from './remote-builder.js';
import {
  asPeerStatus,
  parseStatus,
  remoteView,
  type AddedRemote,
  type RemoteView,
} from './remote-view.js';

export interface RemoteTimings {
  /** Between health checks of every peer. */
  checkIntervalMs: number;
  /** A check (SSH connect included) that takes longer failed. */
  checkTimeoutMs: number;
  /** How long a running build waits for a peer that stopped answering. */
  failoverTimeoutMs: number;
}

export interface RemotePeersDeps {
  db: Db;
  store: RemotesRepository;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  connect: ConnectPeer;
  /** Where uploaded private keys are kept (mode 0600). */
  keysDir: string;
  /** The live logs of this daemon's builds (remote builds write theirs there too). */
  logs: LiveLogHub;
  timings: RemoteTimings;
}

interface Peer {
  entry: PeerEntry;
  builder: RemoteBuilder;
}

/**
 * The remote peers of this daemon: added with a first contact that pins the host key,
 * checked on a timer (status: chroots, load, version), marked down when they stop
 * answering (their running builds then fail over), removed. Each is a Builder.
 */
export class RemotePeers {
  private readonly peers = new Map<string, Peer>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: RemotePeersDeps) {}

  /** Loads the stored peers and starts the health checks (the first at once). */
  start(): void {
    for (const record of this.deps.store.list()) this.register(record);
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.deps.timings.checkIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    // No check starts or records after this (the database closes after the parts stop).
    this.stopped = true;
    clearInterval(this.timer);
    const peers = [...this.peers.values()];
    await Promise.allSettled(peers.map((peer) => peer.entry.checking));
    for (const peer of peers) peer.entry.connection?.close();
  }

  list(): RemoteView[] {
    return [...this.peers.values()].map(({ entry }) => remoteView(entry.record, entry.status()));
  }

  get(name: string): RemoteView {
    const record = this.deps.store.get(name);
    return remoteView(record, this.peers.get(name)?.entry.status() ?? null);
  }

  /** One Builder per peer (down ones say so with available()). */
  builders(): Builder[] {
    return [...this.peers.values()].map((peer) => peer.builder);
  }

  async add(input: AddRemoteInput, signal: AbortSignal): Promise<AddedRemote> {
    if (this.deps.store.find(input.name)) {
      throw new ConflictError(`a remote peer named ${input.name} exists already`);
    }
    const timeout = AbortSignal.timeout(this.deps.timings.checkTimeoutMs);
    const contact = await firstContact(
      input,
      this.deps.connect,
      AbortSignal.any([signal, timeout]),
    );
    const keyFile = input.keyText === undefined ? input.keyFile! : this.keyPath(input.name);
    if (input.keyText !== undefined) {
      await mkdir(this.deps.keysDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(keyFile, contact.clientKey.text, { mode: 0o600 });
    }
    const now = this.deps.clock.now();
    let record: RemoteRecord;
    try {
      record = this.change(() => {
        const inserted = this.deps.store.insert({
          name: input.name,
          host: input.host,
          port: input.port,
          user: input.user,
          keyFile,
          keyUploaded: input.keyText !== undefined,
          hostKey: contact.hostKey,
          apiHost: input.api.host,
          apiPort: input.api.port,
          token: input.token,
          capacity: input.capacity ?? null,
          state: 'up',
          statusJson: JSON.stringify(contact.status),
          lastCheckAt: now.toISOString(),
          createdAt: now,
        });
        const message = `remote peer ${input.name} added (${input.user}@${input.host}:${input.port}, host key ${describeHostKey(contact.hostKey)} pinned)`;
        return [inserted, message];
      });
    } catch (error) {
      if (input.keyText !== undefined) await rm(keyFile, { force: true });
      throw error;
    }
    this.register(record);
    const { fingerprint, publicLine } = contact.clientKey;
    return {
      remote: this.get(input.name),
      hostKey: remoteView(record, null).hostKey,
      clientKey: { fingerprint, publicLine },
    };
  }

  /** Checks a peer now; resolves with how it stands. */
  async check(name: string): Promise<RemoteView> {
    const peer = this.peers.get(name);
    this.deps.store.get(name); // NotFoundError naming the known peers
    if (peer) {
      // A check already under way may have started before what the admin just fixed.
      await peer.entry.checking;
      await this.checkPeer(peer.entry);
    }
    return this.get(name);
  }

  async remove(name: string): Promise<{ removed: string }> {
    const record = this.deps.store.get(name);
    const peer = this.peers.get(name);
    this.peers.delete(name);
    peer?.entry.markLost(`${peerLabel(record)}: removed from the remote peers`);
    peer?.entry.connection?.close();
    this.change(() => {
      this.deps.store.delete(record.id);
      return [record, `remote peer ${name} removed`];
    });
    if (record.keyUploaded) await rm(record.keyFile, { force: true });
    return { removed: name };
  }

  private register(record: RemoteRecord): void {
    const entry = new PeerEntry(
      record,
      parseStatus(record.statusJson),
      this.connectFor(record),
      () => void this.checkPeer(entry),
    );
    const builder = new RemoteBuilder(entry, {
      logs: this.deps.logs,
      clock: this.deps.clock,
      logger: this.deps.logger,
      failoverTimeoutMs: this.deps.timings.failoverTimeoutMs,
    });
    this.peers.set(record.name, { entry, builder });
  }

  /** The connection of a stored peer: the pinned host key only; null if the key is unreadable. */
  private connectFor(record: RemoteRecord): PeerConnection | null {
    let privateKey: string;
    try {
      privateKey = readFileSync(record.keyFile, 'utf8');
    } catch (error) {
      this.deps.logger.error('cannot read the SSH key of a remote peer', {
        peer: record.name,
        keyFile: record.keyFile,
        err: error,
      });
      return null;
    }
    return this.deps.connect({
      name: record.name,
      label: peerLabel(record),
      ssh: { host: record.host, port: record.port, user: record.user, privateKey },
      check: { pinned: record.hostKey },
      api: { host: record.apiHost, port: record.apiPort },
      token: record.token,
    });
  }

  private async checkAll(): Promise<void> {
    await Promise.allSettled([...this.peers.values()].map((peer) => this.checkPeer(peer.entry)));
  }

  private checkPeer(entry: PeerEntry): Promise<void> {
    if (this.stopped) return Promise.resolve();
    entry.checking ??= this.runCheck(entry).finally(() => (entry.checking = null));
    return entry.checking;
  }

  private async runCheck(entry: PeerEntry): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    let status: PeerStatus | null = null;
    let failure: string | null = null;
    const timeout = AbortSignal.timeout(this.deps.timings.checkTimeoutMs);
    try {
      if (!entry.connection)
        throw new Error(`cannot read its SSH key file ${entry.record.keyFile}`);
      const answer = await entry.connection.api.status(timeout);
      status = asPeerStatus(answer);
      if (!status) failure = `${entry.label}: the answer to peer_status is not a status`;
    } catch (error) {
      failure = error instanceof AppError ? error.fullMessage : describeError(error);
      if (timeout.aborted) {
        failure = `${entry.label} did not answer within ${this.deps.timings.checkTimeoutMs / 1000} s`;
      }
      entry.connection?.reset();
    }
    if (this.stopped) return;
    if (!this.peers.has(entry.name) || this.peers.get(entry.name)!.entry !== entry) return;
    const wasUp = entry.record.state === 'up';
    if (status) {
      entry.lastStatus = status;
      entry.markFound();
    } else entry.markLost(failure!);
    const patch = status
      ? {
          state: 'up' as const,
          lastCheckAt: at,
          lastError: null,
          statusJson: JSON.stringify(status),
          lastUpAt: at,
        }
      : { state: 'down' as const, lastCheckAt: at, lastError: failure };
    const message =
      status && !wasUp
        ? `remote peer ${entry.name} is up again (load ${status.load.toFixed(2)}, chroots ${status.chroots.map((c) => `${c.codename}/${c.architecture}`).join(', ') || 'none'})`
        : !status && (wasUp || entry.record.lastError !== failure)
          ? `remote peer ${entry.name} is down: ${failure}`
          : undefined;
    entry.record = this.change(() => {
      this.deps.store.recordCheck(entry.record.id, patch);
      return [this.deps.store.get(entry.name), message];
    });
    if (!status)
      this.deps.logger.warn('remote peer is down', { peer: entry.name, reason: failure });
  }

  /** Runs a change with its PEER event in one transaction; publishes the event after. */
  private change(fn: () => [RemoteRecord, string | undefined]): RemoteRecord {
    const [record, event] = inTransaction(this.deps.db, () => {
      const [changed, message] = fn();
      const stored =
        message === undefined
          ? undefined
          : this.deps.events.record({
              type: 'PEER',
              message,
              details: {
                peer: changed.name,
                host: changed.host,
                port: changed.port,
                state: changed.state,
                ...(changed.lastError ? { error: changed.lastError } : {}),
              },
            });
      return [changed, stored] as const;
    });
    if (event) this.deps.events.publish(event);
    return record;
  }

  private keyPath(name: string): string {
    return path.join(this.deps.keysDir, `${name}.key`);
  }
}
