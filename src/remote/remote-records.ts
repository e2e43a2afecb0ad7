// A remote peer as stored: how to reach it and what its last check found
// (db/remotes-repository.ts).

export type RemoteState = 'up' | 'down';

/** A remote peer as stored. */
export interface RemoteRecord {
  id: number;
  name: string;
  host: string;
  port: number;
  user: string;
  keyFile: string;
  /** Whether the key file was uploaded (kept under the home and removed with the remote). */
  keyUploaded: boolean;
  hostKey: { algorithm: string; fingerprint: string; key: string };
  apiHost: string;
  apiPort: number;
  token: string;
  /** Parallel builds to give it; null: what it reports. */
  capacity: number | null;
  state: RemoteState;
  /** The last status it reported, as JSON (remote/ reads it). */
  statusJson: string | null;
  lastCheckAt: string | null;
  lastUpAt: string | null;
  lastError: string | null;
  createdAt: string;
}

export type NewRemote = Omit<
  RemoteRecord,
  'id' | 'statusJson' | 'lastCheckAt' | 'lastUpAt' | 'lastError' | 'createdAt'
> & { createdAt: Date; statusJson: string | null; lastCheckAt: string | null };

export type RemoteCheckPatch = Pick<RemoteRecord, 'state' | 'lastCheckAt' | 'lastError'> &
  Partial<Pick<RemoteRecord, 'statusJson' | 'lastUpAt'>>;
