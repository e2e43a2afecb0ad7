import { readFile } from 'node:fs/promises';
import { InvalidInputError, RemotePeerError } from '../shared/errors.js';
import type { HostKey } from './host-key.js';
import type { PeerStatus } from './peer-api.js';
import { peerLabel, type ConnectPeer } from './peer-entry.js';
import { asPeerStatus } from './remote-view.js';
import { readClientKey, type ClientKey } from './ssh-key.js';

/** What remote_add is given. */
export interface AddRemoteInput {
  name: string;
  host: string;
  port: number;
  user: string;
  /** A private key file on this daemon's host… */
  keyFile?: string;
  /** …or the private key itself (uploaded), kept under the home. */
  keyText?: string;
  /** The peer's HTTP API as the peer sees it. */
  api: { host: string; port: number };
  /** An API token of a staff user of the peer daemon. */
  token: string;
  /** The host key fingerprint the admin expects (SHA256:…); unset: trust on first contact. */
  fingerprint?: string;
  capacity?: number;
}

export interface FirstContact {
  clientKey: ClientKey;
  hostKey: HostKey;
  status: PeerStatus;
}

/**
 * Reads the client key, logs in to the peer for the first time (taking its host key, or
 * checking it against the expected fingerprint) and asks the peer daemon for its status
 * through the tunnel with the token: a peer is added only once all of that works.
 */
export async function firstContact(
  input: AddRemoteInput,
  connect: ConnectPeer,
  signal: AbortSignal,
): Promise<FirstContact> {
  const clientKey = await loadKey(input);
  const label = peerLabel(input);
  const connection = connect({
    name: input.name,
    label,
    ssh: { host: input.host, port: input.port, user: input.user, privateKey: clientKey.text },
    check: { firstContact: true, expect: input.fingerprint },
    api: input.api,
    token: input.token,
  });
  try {
    const status = asPeerStatus(await connection.api.status(signal));
    const hostKey = connection.hostKey();
    if (!status || !hostKey) {
      throw new RemotePeerError(`${label}: the peer's answer to peer_status is not a status`);
    }
    return { clientKey, hostKey, status };
  } finally {
    connection.close();
  }
}

async function loadKey(input: AddRemoteInput): Promise<ClientKey> {
  if ((input.keyText === undefined) === (input.keyFile === undefined)) {
    throw new InvalidInputError('give the private key either as a file path or as text (uploaded)');
  }
  if (input.keyText !== undefined) return readClientKey(input.keyText, 'the uploaded key');
  const file = input.keyFile!;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidInputError(
      `cannot read the key file ${file} on the daemon's host: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      { cause: error },
    );
  });
  return readClientKey(text, `the key file ${file}`);
}
