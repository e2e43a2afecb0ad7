import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isClearSigned } from '../../../src/debian/clearsign.js';
import { Keyring } from '../../../src/pgp/keyring.js';
import { signatureFailureOf } from '../../../src/pgp/signature-errors.js';
import { createVerifier } from '../../../src/pgp/verifier.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { SignatureError } from '../../../src/shared/errors.js';
import { CHANGES, clearSign, makeKey, revoked, type TestKey } from '../../fixtures/subsystems.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const verifier = createVerifier({ clock: new ManualClock(NOW) });
const DAY = 86_400;

async function rejection(text: string, keyring: Keyring): Promise<SignatureError> {
  const error = await verifier.verifyClearSigned(text, keyring).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignatureError);
  return error as SignatureError;
}

describe('verifyClearSigned', () => {
  let jane: TestKey;
  let keyring: Keyring;
  let signed: string;

  beforeAll(async () => {
    jane = await makeKey('Jane Doe', { date: new Date('2026-01-01T00:00:00Z') });
    keyring = await Keyring.from([jane.publicArmored]);
    signed = await clearSign(CHANGES, [jane.privateKey], {
      date: new Date('2026-05-31T00:00:00Z'),
    });
  });

  it('returns the signed body, the signer and the signature time', async () => {
    expect(await verifier.verifyClearSigned(signed, keyring)).toEqual({
      body: CHANGES,
      fingerprint: jane.fingerprint,
      signingKeyFingerprint: jane.fingerprint,
      userId: 'Jane Doe <jane.doe@example.org>',
      signedAt: new Date('2026-05-31T00:00:00Z'),
    });
  });

  it('accepts CRLF line endings and undoes dash-escaping', async () => {
    const text = 'Source: x\n-leading dash\n';
    const crlf = (await clearSign(text, [jane.privateKey])).replace(/\n/g, '\r\n');
    expect(crlf).toContain('- -leading dash');
    expect((await verifier.verifyClearSigned(crlf, keyring)).body).toBe(text);
  });

  it('names the primary key when a signing subkey signed', async () => {
    const key = await makeKey('Sub Signer', {
      date: new Date('2026-01-01T00:00:00Z'),
      subkeys: [{ sign: true }],
    });
    const subkey = key.privateKey.subkeys[0]!;
    const text = await clearSign(CHANGES, [key.privateKey], { signingKeyIDs: [subkey.getKeyID()] });
    const result = await verifier.verifyClearSigned(text, await Keyring.from([key.publicArmored]));
    expect(result.fingerprint).toBe(key.fingerprint);
    expect(result.signingKeyFingerprint).toBe(subkey.getFingerprint().toUpperCase());
  });

  it('takes the first good signature when several keys signed', async () => {
    const other = await makeKey('Other', { date: new Date('2026-01-01T00:00:00Z') });
    const both = await clearSign(CHANGES, [other.privateKey, jane.privateKey]);
    expect((await verifier.verifyClearSigned(both, keyring)).fingerprint).toBe(jane.fingerprint);
    const error = await rejection(both, new Keyring());
    expect(error.message).toBe(
      `signed by unknown key ${other.fingerprint}: it is not in the keyring of allowed uploaders`,
    );
  });

  it('rejects a text that is not signed', async () => {
    const error = await rejection(CHANGES, keyring);
    expect(error.message).toBe(
      'not OpenPGP-signed: there is no "-----BEGIN PGP SIGNED MESSAGE-----" line (sign it with debsign)',
    );
    expect(signatureFailureOf(error)).toBe('not_signed');
    expect(signatureFailureOf(new Error('x'))).toBeUndefined();
    expect(isClearSigned(CHANGES)).toBe(false);
    expect(isClearSigned(signed)).toBe(true);
  });

  it('rejects a key that is not in the keyring, naming its fingerprint', async () => {
    const error = await rejection(signed, new Keyring());
    expect(error.message).toBe(
      `signed by unknown key ${jane.fingerprint}: it is not in the keyring of allowed uploaders`,
    );
    expect(error.details).toEqual({ reason: 'unknown_key', issuer: jane.fingerprint });
  });

  it('rejects a body changed after signing', async () => {
    const error = await rejection(signed.replace('Version: 1.0-1', 'Version: 1.0-2'), keyring);
    expect(error.message).toBe(
      `BAD signature by key ${jane.fingerprint} (Jane Doe <jane.doe@example.org>): the signed text does not match its signature (changed after signing?)`,
    );
    expect(error.details.reason).toBe('bad_signature');
  });

  it('rejects a key that has expired by now, though valid when it signed', async () => {
    const old = await makeKey('Old Key', {
      date: new Date('2020-01-01T00:00:00Z'),
      expiresIn: DAY,
    });
    const text = await clearSign(CHANGES, [old.privateKey], {
      date: new Date('2020-01-01T12:00:00Z'),
    });
    const error = await rejection(text, await Keyring.from([old.publicArmored]));
    expect(error.message).toBe(
      `key ${old.fingerprint} (Old Key <old.key@example.org>) expired on 2020-01-02 00:00:00 UTC`,
    );
    expect(error.details.reason).toBe('expired_key');
  });

  it('rejects an expired signing subkey', async () => {
    const key = await makeKey('Sub Expired', {
      date: new Date('2026-01-01T00:00:00Z'),
      subkeys: [{ sign: true, keyExpirationTime: DAY }],
    });
    const subkey = key.privateKey.subkeys[0]!;
    const text = await clearSign(CHANGES, [key.privateKey], {
      date: new Date('2026-01-01T06:00:00Z'),
      signingKeyIDs: [subkey.getKeyID()],
    });
    const error = await rejection(text, await Keyring.from([key.publicArmored]));
    expect(error.message).toBe(
      `signing subkey ${subkey.getFingerprint().toUpperCase()} of key ${key.fingerprint} (Sub Expired <sub.expired@example.org>) expired on 2026-01-02 00:00:00 UTC`,
    );
  });

  it('rejects a revoked key, with the reason given', async () => {
    const key = await makeKey('Lost Key', { date: new Date('2026-01-01T00:00:00Z') });
    const text = await clearSign(CHANGES, [key.privateKey], {
      date: new Date('2026-02-01T00:00:00Z'),
    });
    const revokedKey = await revoked(key, 'laptop stolen', new Date('2026-03-01T00:00:00Z'));
    const error = await rejection(text, await Keyring.from([revokedKey.publicArmored]));
    expect(error.message).toBe(
      `key ${key.fingerprint} (Lost Key <lost.key@example.org>) is revoked (laptop stolen)`,
    );
    expect(error.details.reason).toBe('revoked_key');
  });

  it('rejects a revoked signing subkey', async () => {
    const key = await makeKey('Sub Revoked', {
      date: new Date('2026-01-01T00:00:00Z'),
      subkeys: [{ sign: true }],
    });
    const subkey = key.privateKey.subkeys[0]!;
    const text = await clearSign(CHANGES, [key.privateKey], {
      date: new Date('2026-02-01T00:00:00Z'),
      signingKeyIDs: [subkey.getKeyID()],
    });
    const revokedSubkey = await subkey.revoke(
      key.privateKey.keyPacket as openpgp.SecretKeyPacket,
      {},
      new Date('2026-03-01T00:00:00Z'),
    );
    key.privateKey.subkeys[0] = revokedSubkey;
    const error = await rejection(text, await Keyring.from([key.privateKey.toPublic().armor()]));
    expect(error.message).toBe(
      `signing subkey ${subkey.getFingerprint().toUpperCase()} of key ${key.fingerprint} (Sub Revoked <sub.revoked@example.org>) is revoked`,
    );
  });

  it('rejects a signature dated in the future beyond clock skew', async () => {
    const text = await clearSign(CHANGES, [jane.privateKey], {
      date: new Date('2026-06-01T13:00:00Z'),
    });
    const error = await rejection(text, keyring);
    expect(error.message).toBe(
      `the signature by key ${jane.fingerprint} (Jane Doe <jane.doe@example.org>) is dated 2026-06-01 13:00:00 UTC, in the future; check the clock of the signing machine`,
    );
    const skewed = await clearSign(CHANGES, [jane.privateKey], {
      date: new Date('2026-06-01T12:04:00Z'),
    });
    expect((await verifier.verifyClearSigned(skewed, keyring)).fingerprint).toBe(jane.fingerprint);
  });

  describe('malformed input', () => {
    const cases: [string, (s: string) => string, string][] = [
      [
        'text before the signed message',
        (s) => `Source: evil\n\n${s}`,
        'text before the "-----BEGIN PGP SIGNED MESSAGE-----" line is not covered by the signature',
      ],
      [
        'text after the signature',
        (s) => `${s}\nSource: evil\n`,
        'text after the "-----END PGP SIGNATURE-----" line is not covered by the signature',
      ],
      [
        'two signed messages',
        (s) => `${s}${s}`,
        'more than one "-----BEGIN PGP SIGNED MESSAGE-----" block',
      ],
      [
        'a missing signature',
        (s) => s.slice(0, s.indexOf('-----BEGIN PGP SIGNATURE-----')),
        'no "-----BEGIN PGP SIGNATURE-----" line: the signature is missing',
      ],
      [
        'a cut-off signature',
        (s) => s.slice(0, s.indexOf('-----END PGP SIGNATURE-----')),
        'no "-----END PGP SIGNATURE-----" line: the signature is cut off',
      ],
    ];
    it.each(cases)('rejects %s', async (_, mangle, detail) => {
      const error = await rejection(mangle(signed), keyring);
      expect(error.message).toBe(`malformed OpenPGP signed message: ${detail}`);
      expect(error.details.reason).toBe('malformed');
    });

    it('rejects damaged armor', async () => {
      const damaged = signed.replace(/(-----BEGIN PGP SIGNATURE-----\n\n)..../, '$1AAAA');
      const error = await rejection(damaged, keyring);
      expect(error.message).toBe(
        'malformed OpenPGP signed message: the signature block is damaged (not valid OpenPGP data)',
      );
      expect(error.details.reason).toBe('malformed');
    });
  });
});
