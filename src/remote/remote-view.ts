import type { RemoteRecord } from './remote-records.js';
import { describeHostKey } from './host-key.js';
import type { PeerStatus } from './peer-api.js';

/** A remote peer as the API and the web UI show it. */
export interface RemoteView {
  name: string;
  host: string;
  port: number;
  user: string;
  /** The peer's HTTP API as the peer sees it, reached through the SSH tunnel. */
  api: string;
  state: 'up' | 'down';
  /** Why it is down (the last check's error). */
  reason: string | null;
  /** The builds it takes from this daemon at once. */
  capacity: number;
  /** The capacity given at remote_add; null: what the peer reports. */
  configuredCapacity: number | null;
  /** Its builds running (its own and peer jobs) / its capacity, at the last check. */
  load: number | null;
  running: number | null;
  chroots: string[];
  /** The architectures it builds natively, as it says (null: it does not say). */
  native: string[] | null;
  version: string | null;
  identity: string | null;
  lastCheckAt: string | null;
  lastUpAt: string | null;
  createdAt: string;
  hostKey: { algorithm: string; fingerprint: string; text: string };
  keyFile: string;
  keyUploaded: boolean;
}

/** What remote_add answers: the peer, the host key pinned, and the client key used. */
export interface AddedRemote {
  remote: RemoteView;
  /** The host key seen on first contact and pinned from now on. */
  hostKey: { algorithm: string; fingerprint: string; text: string };
  /** The client key: its fingerprint and its authorized_keys line. */
  clientKey: { fingerprint: string; publicLine: string };
}

export function remoteView(record: RemoteRecord, status: PeerStatus | null): RemoteView {
  return {
    name: record.name,
    host: record.host,
    port: record.port,
    user: record.user,
    api: `${record.apiHost}:${record.apiPort}`,
    state: record.state,
    reason: record.state === 'down' ? record.lastError : null,
    capacity: record.capacity ?? status?.capacity ?? 1,
    configuredCapacity: record.capacity,
    load: status?.load ?? null,
    running: status?.running ?? null,
    chroots: (status?.chroots ?? []).map((c) => `${c.codename}/${c.architecture}`),
    native: status?.native ?? null,
    version: status?.version ?? null,
    identity: status?.identity ?? null,
    lastCheckAt: record.lastCheckAt,
    lastUpAt: record.lastUpAt,
    createdAt: record.createdAt,
    hostKey: {
      algorithm: record.hostKey.algorithm,
      fingerprint: record.hostKey.fingerprint,
      text: describeHostKey(record.hostKey),
    },
    keyFile: record.keyFile,
    keyUploaded: record.keyUploaded,
  };
}

/** Reads a stored status; anything that does not look like one counts as none. */
export function parseStatus(json: string | null): PeerStatus | null {
  if (!json) return null;
  try {
    return asPeerStatus(JSON.parse(json));
  } catch {
    return null;
  }
}

/** Checks the shape of a status a peer sent. */
export function asPeerStatus(value: unknown): PeerStatus | null {
  const s = value as Partial<PeerStatus> | null;
  if (
    !s ||
    typeof s.capacity !== 'number' ||
    typeof s.running !== 'number' ||
    typeof s.load !== 'number' ||
    typeof s.version !== 'string' ||
    typeof s.identity !== 'string' ||
    !Array.isArray(s.chroots) ||
    !s.chroots.every(
      (c) => typeof c?.codename === 'string' && typeof c?.architecture === 'string',
    ) ||
    (s.native !== undefined &&
      !(Array.isArray(s.native) && s.native.every((a) => typeof a === 'string')))
  ) {
    return null;
  }
  return s as PeerStatus;
}
