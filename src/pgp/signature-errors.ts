import { SignatureError } from '../shared/errors.js';
import type { KeyComponentInfo, KeyInfo } from './key-info.js';

/** Why a signed text was rejected; in `SignatureError.details.reason`. */
export type SignatureFailure =
  | 'not_signed'
  | 'malformed'
  | 'insecure_hash'
  | 'unknown_key'
  | 'expired_key'
  | 'revoked_key'
  | 'bad_signature'
  | 'future_signature'
  | 'invalid_signature';

/** The reason of a SignatureError raised by this folder, if it is one. */
export function signatureFailureOf(error: unknown): SignatureFailure | undefined {
  if (!(error instanceof SignatureError)) return undefined;
  return error.details.reason as SignatureFailure | undefined;
}

function fail(
  reason: SignatureFailure,
  message: string,
  details: Record<string, unknown> = {},
): SignatureError {
  return new SignatureError(message, { details: { reason, ...details } });
}

export function notSigned(): SignatureError {
  return fail(
    'not_signed',
    'not OpenPGP-signed: there is no "-----BEGIN PGP SIGNED MESSAGE-----" line (sign it with debsign)',
  );
}

export function malformed(detail: string): SignatureError {
  return fail('malformed', `malformed OpenPGP signed message: ${detail}`);
}

/** `issuer`: the fingerprint, or the key id when the signature names no fingerprint. */
export function insecureHash(hash: string, issuer: string): SignatureError {
  return fail(
    'insecure_hash',
    `the signature by key ${issuer} uses the insecure digest algorithm ${hash}; sign with SHA256 or stronger (add "personal-digest-preferences SHA512" to ~/.gnupg/gpg.conf)`,
    { issuer, hash },
  );
}

export function unknownKey(issuer: string): SignatureError {
  return fail(
    'unknown_key',
    `signed by unknown key ${issuer}: it is not in the keyring of allowed uploaders`,
    { issuer },
  );
}

export function expiredKey(key: KeyInfo, component: KeyComponentInfo): SignatureError {
  const expires = formatDate(component.expires!);
  return fail(
    'expired_key',
    `${subject(key, component)} expired on ${expires}`,
    ids(key, component),
  );
}

export function revokedKey(key: KeyInfo, component: KeyComponentInfo): SignatureError {
  const reason = component === key && key.revocationReason ? ` (${key.revocationReason})` : '';
  return fail('revoked_key', `${subject(key, component)} is revoked${reason}`, ids(key, component));
}

export function badSignature(key: KeyInfo): SignatureError {
  return fail(
    'bad_signature',
    `BAD signature by key ${describe(key)}: the signed text does not match its signature (changed after signing?)`,
    ids(key, key),
  );
}

export function futureSignature(key: KeyInfo, signedAt: Date): SignatureError {
  return fail(
    'future_signature',
    `the signature by key ${describe(key)} is dated ${formatDate(signedAt)}, in the future; check the clock of the signing machine`,
    ids(key, key),
  );
}

export function invalidSignature(key: KeyInfo, detail: string): SignatureError {
  return fail(
    'invalid_signature',
    `the signature by key ${describe(key)} is not valid: ${detail}`,
    ids(key, key),
  );
}

/** "key FPR (uid)" or "signing subkey SUBFPR of key FPR (uid)". */
function subject(key: KeyInfo, component: KeyComponentInfo): string {
  if (component === key) return `key ${describe(key)}`;
  return `signing subkey ${component.fingerprint} of key ${describe(key)}`;
}

function describe(key: KeyInfo): string {
  return key.userId ? `${key.fingerprint} (${key.userId})` : key.fingerprint;
}

function ids(key: KeyInfo, component: KeyComponentInfo): Record<string, unknown> {
  return { fingerprint: key.fingerprint, signingKeyFingerprint: component.fingerprint };
}

/** "2021-01-02 03:04:05 UTC" */
export function formatDate(date: Date): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
