import type { LiveLogHub } from '../builder/live-log.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { PeerApi, PeerStatus } from './peer-api.js';

/** What a remote builder knows of its peer (the registry keeps it current). */
export interface PeerHandle {
  readonly name: string;
  /** `peer builder2 (10.0.0.2:22)`: names the peer in logs and errors. */
  readonly label: string;
  readonly api: PeerApi;
  /** Up (the last health check answered) or down, and why. */
  state(): { up: boolean; reason: string | null };
  status(): PeerStatus | null;
  /** The builds to give it at once: as configured, else as it reports. */
  capacity(): number;
  /** Aborted when the peer is marked down or removed: its running builds fail over. */
  lost(): AbortSignal;
  /** Something failed talking to the peer: check its health now. */
  suspect(): void;
}

export interface RemoteBuilderDeps {
  logs: LiveLogHub;
  clock: Clock;
  logger: Logger;
  /**
   * How long a running build waits for a peer that stopped answering before it gives
   * up (and the scheduler requeues it elsewhere).
   */
  failoverTimeoutMs: number;
}
