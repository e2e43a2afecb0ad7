import * as openpgp from 'openpgp';

export interface TestKey {
  privateKey: openpgp.PrivateKey;
  publicArmored: string;
  fingerprint: string;
}

/** An unprotected ed25519 key made by openpgp.js, created at `date`. */
export async function makeKey(
  name: string,
  options: {
    date?: Date;
    /** Seconds after creation. */
    expiresIn?: number;
    subkeys?: openpgp.SubkeyOptions[];
  } = {},
): Promise<TestKey> {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.org` }],
    date: options.date ?? new Date(Date.now() - 60_000),
    keyExpirationTime: options.expiresIn ?? 0,
    subkeys: options.subkeys ?? [],
    format: 'object',
  });
  return withKey(privateKey);
}

export function withKey(privateKey: openpgp.PrivateKey): TestKey {
  return {
    privateKey,
    publicArmored: privateKey.toPublic().armor(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
  };
}

/** The default signature time of clearSign. */
export const SIGNED_AT = new Date('2026-05-01T00:00:00Z');

/** Clear-signs `text` with openpgp.js (LF line endings, as gpg writes). */
export async function clearSign(
  text: string,
  keys: openpgp.PrivateKey[],
  options: { date?: Date; signingKeyIDs?: openpgp.KeyID[] } = {},
): Promise<string> {
  const signed = await openpgp.sign({
    message: await openpgp.createCleartextMessage({ text: text.replace(/\n$/, '') }),
    signingKeys: keys,
    date: options.date ?? SIGNED_AT,
    signingKeyIDs: options.signingKeyIDs,
    format: 'armored',
  });
  return signed.replace(/\r\n/g, '\n');
}

/** A key with its revocation signature (as when the owner revoked it). */
export async function revoked(key: TestKey, reason: string, date?: Date): Promise<TestKey> {
  const { privateKey } = await openpgp.revokeKey({
    key: key.privateKey,
    reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyCompromised, string: reason },
    date,
    format: 'object',
  });
  return withKey(privateKey);
}

export const CHANGES = `Format: 1.8
Date: Sat, 21 Nov 2026 08:00:00 +0000
Source: hello
Binary: hello
Architecture: source
Version: 1.0-1
Distribution: unstable
Maintainer: Jane Doe <jane@example.org>
Changed-By: Jane Doe <jane@example.org>
Description:
 hello - example package
Changes:
 hello (1.0-1) unstable; urgency=medium
 .
   * Initial release.
Checksums-Sha256:
 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae 3 hello_1.0-1.dsc
Files:
 acbd18db4cc2f85cedef654fccc4a4d8 3 misc optional hello_1.0-1.dsc
`;
