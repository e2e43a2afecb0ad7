import * as openpgp from 'openpgp';

/** Algorithms of a newly generated instance key. */
export const KEY_ALGORITHMS = ['ed25519', 'rsa4096'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** An OpenPGP user id, e.g. { name: 'debyard archive key', comment: 'buildfarm' }. */
export interface UserId {
  name: string;
  email?: string;
  comment?: string;
}

export interface NewSigningKey {
  /** ed25519 (default) signs fast and is small; rsa4096 for clients that need RSA. */
  algorithm?: KeyAlgorithm;
  userId: UserId;
  /** Creation time (the clock's now). */
  date: Date;
}

/**
 * Generates a signing key (certify and sign, no subkeys, no expiry, no passphrase) and
 * returns it ASCII-armored, for createSigner. RSA 4096 takes seconds; ed25519 milliseconds.
 */
export async function generateSigningKey(options: NewSigningKey): Promise<string> {
  const algorithm = options.algorithm ?? 'ed25519';
  const type: Pick<openpgp.KeyOptions, 'type' | 'curve' | 'rsaBits'> =
    algorithm === 'rsa4096'
      ? { type: 'rsa', rsaBits: 4096 }
      : { type: 'ecc', curve: 'ed25519Legacy' }; // v4 EdDSA: what gpg 2.2 and apt read
  const { privateKey } = await openpgp.generateKey({
    ...type,
    userIDs: [options.userId],
    date: options.date,
    subkeys: [],
    format: 'armored',
    config: { preferredHashAlgorithm: openpgp.enums.hash.sha512 },
  });
  return privateKey;
}

/** The user id of the instance key: "debyard archive key (IDENTITY)". */
export function instanceUserId(identity: string): UserId {
  return { name: 'debyard archive key', comment: identity };
}
