import * as openpgp from 'openpgp';
import { hasClearSignedHeader, splitClearSigned } from '../debian/clearsign.js';
import type { Clock } from '../shared/clock.js';
import { InvalidInputError, SignatureError } from '../shared/errors.js';
import { ANY_TIME, isExpired } from './key-info.js';
import type { Keyring, KeyLookup } from './keyring.js';
import {
  badSignature,
  expiredKey,
  futureSignature,
  insecureHash,
  invalidSignature,
  malformed,
  notSigned,
  revokedKey,
  unknownKey,
} from './signature-errors.js';

/** A clear-signed text whose signature checked out. */
export interface VerifiedText {
  /** The signed text with LF line endings, ending with a newline (as `gpg --output` writes it). */
  body: string;
  /** Fingerprint of the signer's primary key: what uploader permissions refer to. */
  fingerprint: string;
  /** Fingerprint of the key that made the signature: the primary key or a signing subkey. */
  signingKeyFingerprint: string;
  /** The signer's primary user id, for messages. */
  userId: string | null;
  /** When the signature was made (by the signer's clock). */
  signedAt: Date;
}

export interface Verifier {
  /**
   * Verifies a clear-signed text (a `.changes`, a `.dsc`) against `keyring`. Throws a
   * SignatureError whose `details.reason` is a SignatureFailure when it is not signed,
   * malformed, signed with SHA-1 (or weaker), by a key not in the keyring, by an expired
   * or revoked key (or subkey), or when the text was changed after signing.
   */
  verifyClearSigned(text: string, keyring: Keyring): Promise<VerifiedText>;
}

/** Signatures dated up to this far ahead of our clock are accepted (clock skew). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const INSECURE_HASHES = new Set([
  openpgp.enums.hash.md5,
  openpgp.enums.hash.sha1,
  openpgp.enums.hash.ripemd,
]);

/** openpgp.js' words for undecodable armor or packets. */
const DAMAGED =
  /Error during parsing|Packet not allowed|Misformed armored text|Unknown ASCII armor/;

const DOCUMENT_SIGNATURES = new Set([openpgp.enums.signature.text, openpgp.enums.signature.binary]);

export function createVerifier(deps: { clock: Clock }): Verifier {
  return {
    async verifyClearSigned(text, keyring) {
      checkFraming(text);
      const message = await readCleartext(text);
      const signatures = signaturesOf(message).filter(
        (p): p is openpgp.SignaturePacket =>
          p instanceof openpgp.SignaturePacket && DOCUMENT_SIGNATURES.has(p.signatureType!),
      );
      if (signatures.length === 0) throw malformed('the signature block holds no signature');
      // Several signatures: the first good one counts; else the first one's failure.
      let firstFailure: SignatureError | undefined;
      for (const signature of signatures) {
        try {
          return await verifyOne(message, signature, keyring, deps.clock.now());
        } catch (error) {
          if (!(error instanceof SignatureError)) throw error;
          firstFailure ??= error;
        }
      }
      throw firstFailure!;
    },
  };
}

/** openpgp.js' types omit the signature a read CleartextMessage carries. */
function signaturesOf(message: openpgp.CleartextMessage): openpgp.SignaturePacket[] {
  return [...(message as unknown as { signature: openpgp.Signature }).signature.packets];
}

async function readCleartext(text: string): Promise<openpgp.CleartextMessage> {
  try {
    return await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw malformed(
      DAMAGED.test(detail) ? 'the signature block is damaged (not valid OpenPGP data)' : detail,
    );
  }
}

async function verifyOne(
  message: openpgp.CleartextMessage,
  signature: openpgp.SignaturePacket,
  keyring: Keyring,
  now: Date,
): Promise<VerifiedText> {
  const issuer = issuerOf(signature);
  if (INSECURE_HASHES.has(signature.hashAlgorithm!)) {
    throw insecureHash(
      openpgp.enums.read(openpgp.enums.hash, signature.hashAlgorithm!).toUpperCase(),
      issuer,
    );
  }
  const found = keyring.lookup(issuer);
  if (!found) throw unknownKey(issuer);
  checkKeyState(found, now);
  const signedAt = signature.created!;
  if (signedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw futureSignature(found.key, signedAt);
  }
  await checkSignature(message, signature, keyring.openpgpKey(found.key.fingerprint), found);
  return {
    body: `${message.getText()}\n`,
    fingerprint: found.key.fingerprint,
    signingKeyFingerprint: found.component.fingerprint,
    userId: found.key.userId,
    signedAt,
  };
}

/** The issuer fingerprint when the signature names it (gpg ≥ 2.1 does), else the key id. */
function issuerOf(signature: openpgp.SignaturePacket): string {
  if (signature.issuerFingerprint) {
    return Buffer.from(signature.issuerFingerprint).toString('hex').toUpperCase();
  }
  return signature.issuerKeyID.toHex().toUpperCase();
}

/** The key must be usable now, whatever it was when the signature was made. */
function checkKeyState({ key, component }: KeyLookup, now: Date): void {
  if (key.revoked) throw revokedKey(key, key);
  if (component.revoked) throw revokedKey(key, component);
  if (isExpired(key, now)) throw expiredKey(key, key);
  if (isExpired(component, now)) throw expiredKey(key, component);
}

async function checkSignature(
  message: openpgp.CleartextMessage,
  signature: openpgp.SignaturePacket,
  key: openpgp.Key,
  found: KeyLookup,
): Promise<void> {
  // Time checks are ours (above); openpgp.js still checks the key at signing time.
  const results = await message.verify([key], ANY_TIME);
  for (const result of results) {
    if ((await result.signature).packets[0] !== signature) continue;
    try {
      await result.verified;
      return;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if (/Signed digest did not match|Signature verification failed/.test(detail)) {
        throw badSignature(found.key);
      }
      throw invalidSignature(found.key, detail);
    }
  }
  throw invalidSignature(found.key, 'openpgp.js did not check it');
}

/**
 * Refuses anything but exactly one signed message with nothing around it: text outside
 * the signed part is not covered by the signature, yet a naive reader would see it.
 */
function checkFraming(text: string): void {
  if (!hasClearSignedHeader(text)) throw notSigned();
  try {
    splitClearSigned(text);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw malformed(error.problems[0]?.message ?? error.message);
  }
}
