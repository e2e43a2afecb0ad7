import type { RemoteRecord } from './remote-records.js';
import { RemotePeerError } from '../shared/errors.js';
import type { HostKey } from './host-key.js';
import type { PeerApi, PeerStatus } from './peer-api.js';
import type { PeerHandle } from './peer-handle.js';
import type { HostKeyCheck, SshTarget } from './ssh-link.js';

/** How to reach one peer. */
export interface PeerTarget {
  name: string;
  label: string;
  ssh: SshTarget;
  check: HostKeyCheck;
  /** The peer's HTTP API, as the peer sees it. */
  api: { host: string; port: number };
  token: string;
}

/** A live link to a peer: its API over SSH. */
export interface PeerConnection {
  api: PeerApi;
  /** The host key offered on the last contact. */
  hostKey(): HostKey | null;
  /** Drops the SSH connection; the next call opens a new one. */
  reset(): void;
  close(): void;
}

export type ConnectPeer = (target: PeerTarget) => PeerConnection;

export const peerLabel = (record: Pick<RemoteRecord, 'name' | 'host' | 'port'>): string =>
  `peer ${record.name} (${record.host.includes(':') ? `[${record.host}]` : record.host}:${record.port})`;

/** A registered peer: its record, last status, connection and the signal of its loss. */
export class PeerEntry implements PeerHandle {
  lastStatus: PeerStatus | null;
  checking: Promise<void> | null = null;
  private lostController = new AbortController();

  constructor(
    public record: RemoteRecord,
    status: PeerStatus | null,
    /** Null when its SSH key cannot be read: it stays down. */
    readonly connection: PeerConnection | null,
    private readonly onSuspect: () => void,
  ) {
    this.lastStatus = status;
    if (record.state === 'down') this.markLost(record.lastError ?? `${this.label} is down`);
  }

  get name(): string {
    return this.record.name;
  }

  get label(): string {
    return peerLabel(this.record);
  }

  get api(): PeerApi {
    if (!this.connection) {
      throw new RemotePeerError(
        `${this.label}: its SSH key file ${this.record.keyFile} cannot be read`,
      );
    }
    return this.connection.api;
  }

  state(): { up: boolean; reason: string | null } {
    return { up: this.record.state === 'up', reason: this.record.lastError };
  }

  status(): PeerStatus | null {
    return this.lastStatus;
  }

  capacity(): number {
    return Math.max(1, this.record.capacity ?? this.lastStatus?.capacity ?? 1);
  }

  lost(): AbortSignal {
    return this.lostController.signal;
  }

  suspect(): void {
    this.onSuspect();
  }

  /** Its running builds fail over. */
  markLost(reason: string): void {
    if (!this.lostController.signal.aborted) this.lostController.abort(new RemotePeerError(reason));
  }

  /** Back up: new builds get a fresh signal. */
  markFound(): void {
    if (this.lostController.signal.aborted) this.lostController = new AbortController();
  }
}
