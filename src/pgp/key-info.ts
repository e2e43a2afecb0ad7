import * as openpgp from 'openpgp';

/** What a key can be used for, from its self-signature's key flags. */
export type KeyCapability = 'certify' | 'sign' | 'encrypt' | 'authenticate';

/** One component of a key: the primary key or a subkey. */
export interface KeyComponentInfo {
  /** Upper-case hex, no spaces: 40 digits for v4 keys. */
  fingerprint: string;
  /** The long (16-digit) key id, upper-case hex. */
  keyId: string;
  /** gpg's name for it: `ed25519`, `rsa4096`, `nistp256`, `cv25519`, … */
  algorithm: string;
  created: Date;
  /** null: never expires. */
  expires: Date | null;
  /** A valid revocation signature exists (hard or soft revocation). */
  revoked: boolean;
  capabilities: KeyCapability[];
}

/** A public key as listed in a keyring. Expired keys are listed; compare `expires` with now. */
export interface KeyInfo extends KeyComponentInfo {
  /** The primary user id ("Jane Doe <jane@example.org>"), or null when it has none. */
  userId: string | null;
  /** All user ids, primary first. */
  userIds: string[];
  /** The reason given in the revocation signature, when revoked and given. */
  revocationReason: string | null;
  subkeys: KeyComponentInfo[];
}

/** Whether a listed key (or subkey) has expired at `now`. */
export function isExpired(info: Pick<KeyComponentInfo, 'expires'>, now: Date): boolean {
  return info.expires !== null && info.expires.getTime() <= now.getTime();
}

/** openpgp.js' date checks are skipped with null; its types do not say so. */
export const ANY_TIME = null as unknown as Date;
/** Without a signature, openpgp.js' isRevoked checks for any valid revocation. */
const NO_SIGNATURE = undefined as unknown as openpgp.SignaturePacket;

/** Describes a public key; throws when it has no valid self-signature. */
export async function describeKey(key: openpgp.Key): Promise<KeyInfo> {
  const primary = await key.getPrimaryUser(ANY_TIME);
  const primaryUserId = primary.user.userID?.userID ?? null;
  const userIds = key.users.flatMap((u) => (u.userID ? [u.userID.userID] : []));
  const revoked = await key.isRevoked(undefined, undefined, ANY_TIME);
  const expires = await key.getExpirationTime();
  const subkeys = await Promise.all(key.subkeys.map((subkey) => describeSubkey(key, subkey)));
  return {
    ...componentIds(key),
    created: key.getCreationTime(),
    expires: expires instanceof Date ? expires : null,
    revoked,
    capabilities: capabilitiesOf(primary.selfCertification.keyFlags),
    userId: primaryUserId,
    userIds: [
      ...(primaryUserId === null ? [] : [primaryUserId]),
      ...userIds.filter((u) => u !== primaryUserId),
    ],
    revocationReason: revoked ? revocationReason(key.revocationSignatures) : null,
    subkeys: subkeys.filter((s): s is KeyComponentInfo => s !== null),
  };
}

/** A subkey without a valid binding signature is no part of the key: null. */
async function describeSubkey(
  key: openpgp.Key,
  subkey: openpgp.Subkey,
): Promise<KeyComponentInfo | null> {
  const binding = await latestValidBinding(key, subkey);
  if (!binding) return null;
  const created = subkey.getCreationTime();
  return {
    ...componentIds(subkey),
    created,
    expires:
      binding.keyNeverExpires === false ? addSeconds(created, binding.keyExpirationTime) : null,
    revoked: await subkey.isRevoked(NO_SIGNATURE, key.keyPacket, ANY_TIME),
    capabilities: capabilitiesOf(binding.keyFlags),
  };
}

async function latestValidBinding(
  key: openpgp.Key,
  subkey: openpgp.Subkey,
): Promise<openpgp.SignaturePacket | null> {
  const newestFirst = [...subkey.bindingSignatures].sort(
    (a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0),
  );
  const data = { key: key.keyPacket, bind: subkey.keyPacket };
  for (const signature of newestFirst) {
    try {
      await signature.verify(key.keyPacket, openpgp.enums.signature.subkeyBinding, data, ANY_TIME);
      return signature;
    } catch {
      // an invalid binding signature is ignored, as gpg does
    }
  }
  return null;
}

function addSeconds(date: Date, seconds: number | null): Date {
  return new Date(date.getTime() + (seconds ?? 0) * 1000);
}

function componentIds(component: openpgp.Key | openpgp.Subkey) {
  return {
    fingerprint: component.getFingerprint().toUpperCase(),
    keyId: component.getKeyID().toHex().toUpperCase(),
    algorithm: algorithmName(component.getAlgorithmInfo()),
  };
}

function capabilitiesOf(flags: Uint8Array | null): KeyCapability[] {
  const bits = flags?.[0] ?? 0;
  const { keyFlags } = openpgp.enums;
  const all: [number, KeyCapability][] = [
    [keyFlags.certifyKeys, 'certify'],
    [keyFlags.signData, 'sign'],
    [keyFlags.encryptCommunication | keyFlags.encryptStorage, 'encrypt'],
    [keyFlags.authentication, 'authenticate'],
  ];
  return all.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name);
}

function revocationReason(signatures: openpgp.SignaturePacket[]): string | null {
  return signatures.find((s) => s.reasonForRevocationString)?.reasonForRevocationString ?? null;
}

const CURVE_NAMES: Record<string, string> = {
  ed25519Legacy: 'ed25519',
  curve25519Legacy: 'cv25519',
  nistP256: 'nistp256',
  nistP384: 'nistp384',
  nistP521: 'nistp521',
  secp256k1: 'secp256k1',
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
};

/** The algorithm as gpg names it in key listings. */
export function algorithmName(info: openpgp.AlgorithmInfo): string {
  const { algorithm, bits, curve } = info;
  if (curve) return CURVE_NAMES[curve] ?? curve;
  if (algorithm.startsWith('rsa')) return `rsa${bits}`;
  if (algorithm === 'dsa') return `dsa${bits}`;
  if (algorithm === 'elgamal') return `elg${bits}`;
  if (algorithm === 'x25519') return 'cv25519';
  if (algorithm === 'x448') return 'cv448';
  return algorithm;
}
