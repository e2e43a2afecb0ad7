import * as openpgp from 'openpgp';
import type { Clock } from '../shared/clock.js';
import { InvalidInputError } from '../shared/errors.js';
import { describeKey, type KeyInfo } from './key-info.js';

/** Signs archive metadata with the instance key (or, during a key rotation, its keys). */
export interface Signer {
  /** The (first) signing key as a keyring lists it (fingerprint, user id, algorithm, …). */
  readonly key: KeyInfo;
  /** Every key that signs, the first one first: one signature each. */
  readonly keys: readonly KeyInfo[];
  /**
   * InRelease: `text` clear-signed, byte for byte as `gpg --clearsign` lays it out (LF
   * line endings; the final newline of `text` ends the signed part; trailing blanks on
   * a line are dropped, as the cleartext framework ignores them).
   */
  clearSign(text: string): Promise<string>;
  /** Release.gpg: an ASCII-armored detached signature over the bytes (UTF-8 for strings). */
  detachSign(data: string | Uint8Array): Promise<string>;
  /** The public key(s), ASCII-armored in one block (`.asc`, served at /api/v1/pub_key). */
  publicKeyArmored(): string;
  /** The public key(s), binary (`.gpg`, for apt's `Signed-By` and `gpgv --keyring`). */
  publicKeyBinary(): Uint8Array;
}

/** SHA-512 for every signature: SHA-256 or stronger is required, and it costs no more. */
const SIGN_CONFIG: openpgp.PartialConfig = { preferredHashAlgorithm: openpgp.enums.hash.sha512 };

/**
 * A Signer for unprotected ASCII-armored secret keys (see generateSigningKey): one, or
 * several that each sign everything (a key rotation's transition). Fails with
 * InvalidInputError when a key is protected by a passphrase or cannot sign now.
 */
export async function createSigner(
  armoredSecretKeys: string | readonly string[],
  deps: { clock: Clock },
): Promise<Signer> {
  const armoredKeys =
    typeof armoredSecretKeys === 'string' ? [armoredSecretKeys] : armoredSecretKeys;
  if (armoredKeys.length === 0) throw new InvalidInputError('no secret key to sign with');
  const privateKeys = await Promise.all(armoredKeys.map((a) => usableKey(a, deps.clock)));
  const publicKeys = privateKeys.map((k) => k.toPublic());
  const infos = await Promise.all(publicKeys.map((k) => describeKey(k)));
  const binary = concat(publicKeys.map((k) => k.write()));
  // With its CRC24 line: gpg 2.2 misreads an armored key without it.
  const armored = openpgp.armor(
    openpgp.enums.armor.publicKey,
    binary,
    undefined,
    undefined,
    undefined,
    true,
  );
  const sign = (
    message: openpgp.CleartextMessage | openpgp.Message<Uint8Array>,
    detached: boolean,
  ) =>
    openpgp.sign({
      message,
      signingKeys: privateKeys,
      detached,
      date: deps.clock.now(),
      format: 'armored',
      config: SIGN_CONFIG,
    }) as Promise<string>;

  return {
    key: infos[0]!,
    keys: infos,
    async clearSign(text) {
      // Cleartext signatures end the signed text before the line break that precedes
      // the signature; openpgp.js writes CRLF, apt expects what gpg writes: LF.
      const body = text.endsWith('\n') ? text.slice(0, -1) : text;
      const signed = await sign(await openpgp.createCleartextMessage({ text: body }), false);
      return signed.replace(/\r\n/g, '\n');
    },
    async detachSign(data) {
      const binaryData = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return sign(await openpgp.createMessage({ binary: binaryData }), true);
    },
    publicKeyArmored: () => armored,
    publicKeyBinary: () => binary.slice(),
  };
}

async function usableKey(armored: string, clock: Clock): Promise<openpgp.PrivateKey> {
  const privateKey = await readSecretKey(armored);
  const fingerprint = privateKey.getFingerprint().toUpperCase();
  if (!privateKey.isDecrypted()) {
    throw new InvalidInputError(
      `secret key ${fingerprint} is protected by a passphrase; debyard needs it unprotected`,
    );
  }
  try {
    await privateKey.getSigningKey(undefined, clock.now());
  } catch (error) {
    throw new InvalidInputError(`secret key ${fingerprint} cannot sign: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return privateKey;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export async function readSecretKey(armored: string): Promise<openpgp.PrivateKey> {
  try {
    return await openpgp.readPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw new InvalidInputError(`not an OpenPGP secret key: ${messageOf(error)}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
