import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isExpired } from '../../../src/pgp/key-info.js';
import { Keyring, normalizeKeyRef } from '../../../src/pgp/keyring.js';
import { InvalidInputError, NotFoundError } from '../../../src/shared/errors.js';
import { makeKey, revoked, type TestKey } from '../../fixtures/subsystems.js';

const CREATED = new Date('2026-01-01T00:00:00Z');

describe('Keyring', () => {
  let jane: TestKey;
  let bob: TestKey;

  beforeAll(async () => {
    jane = await makeKey('Jane Doe', { date: CREATED, subkeys: [{ sign: true }, {}] });
    bob = await makeKey('Bob', { date: CREATED, expiresIn: 30 * 86_400 });
  });

  it('lists fingerprints, user ids, creation, expiry, revocation and subkeys', async () => {
    const keyring = new Keyring();
    const added = await keyring.add(jane.publicArmored);
    const [signing, encryption] = jane.privateKey.subkeys;
    expect(added).toEqual([
      {
        fingerprint: jane.fingerprint,
        keyId: jane.fingerprint.slice(-16),
        algorithm: 'ed25519',
        created: CREATED,
        expires: null,
        revoked: false,
        capabilities: ['certify', 'sign'],
        userId: 'Jane Doe <jane.doe@example.org>',
        userIds: ['Jane Doe <jane.doe@example.org>'],
        revocationReason: null,
        subkeys: [
          {
            fingerprint: signing!.getFingerprint().toUpperCase(),
            keyId: signing!.getKeyID().toHex().toUpperCase(),
            algorithm: 'ed25519',
            created: CREATED,
            expires: null,
            revoked: false,
            capabilities: ['sign'],
          },
          {
            fingerprint: encryption!.getFingerprint().toUpperCase(),
            keyId: encryption!.getKeyID().toHex().toUpperCase(),
            algorithm: 'cv25519',
            created: CREATED,
            expires: null,
            revoked: false,
            capabilities: ['encrypt'],
          },
        ],
      },
    ]);
    expect(keyring.list()).toEqual(added);
  });

  it('reports expiry, and isExpired compares it with now', async () => {
    const [info] = await new Keyring().add(bob.publicArmored);
    expect(info!.expires).toEqual(new Date('2026-01-31T00:00:00Z'));
    expect(isExpired(info!, new Date('2026-01-30T23:59:59Z'))).toBe(false);
    expect(isExpired(info!, new Date('2026-01-31T00:00:00Z'))).toBe(true);
  });

  it('reads several keys from one armored block, concatenated blocks and binary', async () => {
    const both = new Uint8Array([
      ...jane.privateKey.toPublic().write(),
      ...bob.privateKey.toPublic().write(),
    ]);
    const oneBlock = openpgp.armor(openpgp.enums.armor.publicKey, both);
    const fingerprints = (infos: { fingerprint: string }[]) => infos.map((i) => i.fingerprint);
    const expected = [jane.fingerprint, bob.fingerprint];
    expect(fingerprints(await new Keyring().add(oneBlock))).toEqual(expected);
    expect(
      fingerprints(await new Keyring().add(`${jane.publicArmored}\n${bob.publicArmored}`)),
    ).toEqual(expected);
    expect(fingerprints(await new Keyring().add(both))).toEqual(expected);
    expect(fingerprints(await new Keyring().add(Buffer.from(oneBlock)))).toEqual(expected);
  });

  it('merges a key added again: a later revocation shows', async () => {
    const keyring = await Keyring.from([bob.publicArmored]);
    const revokedBob = await revoked(bob, 'key compromised', new Date('2026-01-02T00:00:00Z'));
    const [info] = await keyring.add(revokedBob.publicArmored);
    expect(keyring.size).toBe(1);
    expect(info).toMatchObject({
      fingerprint: bob.fingerprint,
      revoked: true,
      revocationReason: 'key compromised',
    });
  });

  it('finds keys by fingerprint or long key id of the primary key or a subkey', async () => {
    const keyring = await Keyring.from([jane.publicArmored, bob.publicArmored]);
    const subkey = jane.privateKey.subkeys[0]!;
    const subFingerprint = subkey.getFingerprint();
    expect(keyring.lookup(jane.fingerprint)?.key.fingerprint).toBe(jane.fingerprint);
    expect(
      keyring.lookup(`0x${jane.fingerprint.slice(-16).toLowerCase()}`)?.component.fingerprint,
    ).toBe(jane.fingerprint);
    const bySubkey = keyring.lookup(subkey.getKeyID().toHex());
    expect(bySubkey?.key.fingerprint).toBe(jane.fingerprint);
    expect(bySubkey?.component.fingerprint).toBe(subFingerprint.toUpperCase());
    const spaced = subFingerprint.toUpperCase().replace(/(.{4})/g, '$1 ');
    expect(keyring.lookup(spaced)?.component.fingerprint).toBe(subFingerprint.toUpperCase());
    expect(keyring.lookup(bob.fingerprint.slice(-8))).toBeUndefined();
    expect(keyring.lookup('0123456789ABCDEF')).toBeUndefined();
  });

  it('removes a key by primary fingerprint only', async () => {
    const keyring = await Keyring.from([jane.publicArmored, bob.publicArmored]);
    const subkeyId = jane.privateKey.subkeys[0]!.getKeyID().toHex().toUpperCase();
    expect(() => keyring.remove(subkeyId)).toThrow(
      new NotFoundError(`no key ${subkeyId} in the keyring (give its primary key fingerprint)`),
    );
    expect(keyring.remove(jane.fingerprint.toLowerCase()).fingerprint).toBe(jane.fingerprint);
    expect(keyring.list().map((k) => k.fingerprint)).toEqual([bob.fingerprint]);
    expect(keyring.lookup(subkeyId)).toBeUndefined();
    expect(() => keyring.remove(jane.fingerprint)).toThrow(NotFoundError);
  });

  it('exports keys that read back the same, without secret material', async () => {
    const keyring = await Keyring.from([jane.publicArmored, bob.publicArmored]);
    const armored = keyring.exportArmored();
    expect(armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
    expect((await Keyring.from([armored])).list()).toEqual(keyring.list());
    expect((await Keyring.from([keyring.exportBinary()])).list()).toEqual(keyring.list());
    const one = await openpgp.readKeys({ binaryKeys: keyring.exportBinary(bob.fingerprint) });
    expect(one.map((k) => [k.getFingerprint().toUpperCase(), k.isPrivate()])).toEqual([
      [bob.fingerprint, false],
    ]);
  });

  describe('refuses', () => {
    const refusal = async (data: string | Uint8Array) =>
      new Keyring().add(data).then(
        () => undefined,
        (e: unknown) => e as InvalidInputError,
      );

    it('a secret key', async () => {
      const error = await refusal(jane.privateKey.armor());
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error!.message).toBe(
        'this is a secret key block; give the public key only (gpg --export --armor KEYID)',
      );
    });

    it('text without a key block', async () => {
      expect((await refusal('ssh-ed25519 AAAA… jane@host'))!.message).toBe(
        'not an OpenPGP public key: expected a "-----BEGIN PGP PUBLIC KEY BLOCK-----" … "-----END PGP PUBLIC KEY BLOCK-----" block or binary key data',
      );
    });

    it('a key too weak for signatures, leaving the keyring as it was', async () => {
      const { publicKey } = await openpgp.generateKey({
        type: 'rsa',
        rsaBits: 1024,
        userIDs: [{ name: 'Weak' }],
        date: CREATED,
        config: { minRSABits: 1024 },
      });
      const keyring = await Keyring.from([bob.publicArmored]);
      const error = await keyring
        .add(`${jane.publicArmored}\n${publicKey}`)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      const weak = (await openpgp.readKey({ armoredKey: publicKey }))
        .getFingerprint()
        .toUpperCase();
      expect((error as Error).message).toBe(
        `key ${weak} (Weak) uses rsa1024, too weak to check signatures with; use an ed25519 key or an RSA key of 2048 bits or more`,
      );
      expect(keyring.list().map((k) => k.fingerprint)).toEqual([bob.fingerprint]);
    });

    it('damaged armor and binary garbage', async () => {
      const damaged = jane.publicArmored.replace(/(BLOCK-----\n\n)..../, '$1AAAA');
      expect((await refusal(damaged))!.message).toMatch(/^unreadable OpenPGP key data: /);
      expect((await refusal(new Uint8Array([0x99, 1, 2, 3])))!.message).toMatch(
        /^unreadable OpenPGP key data: /,
      );
    });
  });

  it('normalizes key references', () => {
    expect(normalizeKeyRef('0xabcdef0123456789')).toBe('ABCDEF0123456789');
    expect(normalizeKeyRef('ABCD EF01 2345 6789')).toBe('ABCDEF0123456789');
    expect(normalizeKeyRef('ABCDEF01')).toBe('');
    expect(normalizeKeyRef('jane@example.org')).toBe('');
  });
});
