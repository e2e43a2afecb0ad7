import * as openpgp from 'openpgp';
import { InvalidInputError } from '../shared/errors.js';

/**
 * Unlocks a secret key protected by a passphrase (a key without one is returned as it
 * is). The passphrase appears in no message and is not kept.
 */
export async function unlockKey(
  key: openpgp.PrivateKey,
  passphrase: string | undefined,
): Promise<openpgp.PrivateKey> {
  const fingerprint = key.getFingerprint().toUpperCase();
  if (key.isDecrypted()) {
    if (passphrase) {
      throw new InvalidInputError(
        `secret key ${fingerprint} is not protected by a passphrase; import it without one`,
      );
    }
    return key;
  }
  if (!passphrase) {
    throw new InvalidInputError(
      `secret key ${fingerprint} is protected by a passphrase; give it with --passphrase-file (or passphrase in the API)`,
    );
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (error) {
    throw new InvalidInputError(`the passphrase given does not unlock secret key ${fingerprint}`, {
      cause: new Error(error instanceof Error ? error.name : 'decryption failed'),
    });
  }
}

/**
 * The same key (same key material, same fingerprint) with new self-signatures that give
 * it (and its subkeys) a new expiry: `expires`, or never with null. Returned armored.
 */
export async function extendKey(
  key: openpgp.PrivateKey,
  expires: Date | null,
  now: Date,
): Promise<string> {
  const created = key.getCreationTime().getTime();
  // Each user id as it is, byte for byte (openpgp.js would refuse some emails it parses).
  const userIDs = key.users.flatMap((u) => (u.userID ? [{ name: u.userID.userID }] : []));
  if (userIDs.length === 0) {
    throw new InvalidInputError(`key ${key.getFingerprint().toUpperCase()} has no user id`);
  }
  const { privateKey } = await openpgp.reformatKey({
    privateKey: key,
    userIDs,
    keyExpirationTime: expires ? Math.ceil((expires.getTime() - created) / 1000) : 0,
    date: now,
    format: 'armored',
    config: { preferredHashAlgorithm: openpgp.enums.hash.sha512 },
  });
  return privateKey;
}
