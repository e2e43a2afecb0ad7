import { createHash } from 'node:crypto';
import { RemotePeerError } from '../shared/errors.js';

/** An SSH host key as a peer offered it. */
export interface HostKey {
  /** The key's algorithm as in the key blob, e.g. ssh-ed25519. */
  algorithm: string;
  /** As OpenSSH prints it: `SHA256:` and the unpadded base64 digest of the key blob. */
  fingerprint: string;
  /** The key blob, base64 (the second field of a known_hosts line). */
  key: string;
}

const TYPE_LABELS: Record<string, string> = {
  'ssh-ed25519': 'ED25519',
  'ssh-rsa': 'RSA',
  'ssh-dss': 'DSA',
  'ecdsa-sha2-nistp256': 'ECDSA',
  'ecdsa-sha2-nistp384': 'ECDSA',
  'ecdsa-sha2-nistp521': 'ECDSA',
  'sk-ssh-ed25519@openssh.com': 'ED25519-SK',
  'sk-ecdsa-sha2-nistp256@openssh.com': 'ECDSA-SK',
};

/** The SHA256 fingerprint of a public key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Reads the algorithm name at the start of an SSH public key blob. */
export function algorithmOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return 'unknown';
  return blob.subarray(4, 4 + length).toString('latin1');
}

export function hostKeyOf(blob: Buffer): HostKey {
  return {
    algorithm: algorithmOf(blob),
    fingerprint: fingerprintOf(blob),
    key: blob.toString('base64'),
  };
}

/** `ED25519 SHA256:…`, the way ssh-keygen -l and ssh's prompts name a key. */
export function describeHostKey(key: Pick<HostKey, 'algorithm' | 'fingerprint'>): string {
  return `${TYPE_LABELS[key.algorithm] ?? key.algorithm} ${key.fingerprint}`;
}

export const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The peer offered another host key than the one pinned for it. */
export class HostKeyMismatchError extends RemotePeerError {
  constructor(
    where: string,
    readonly pinned: Pick<HostKey, 'algorithm' | 'fingerprint'>,
    readonly offered: HostKey,
    advice: string,
  ) {
    super(
      `the SSH host key of ${where} does not match: pinned ${describeHostKey(pinned)}, offered ${describeHostKey(offered)}; refusing to connect. ${advice}`,
      {
        details: {
          pinned: pinned.fingerprint,
          offered: offered.fingerprint,
        },
      },
    );
  }
}
