import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../../src/pgp/keyring.js';
import { createSigner, type Signer } from '../../../src/pgp/signer.js';
import { generateSigningKey, instanceUserId } from '../../../src/pgp/signing-key.js';
import { createVerifier } from '../../../src/pgp/verifier.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { InvalidInputError } from '../../../src/shared/errors.js';

const RELEASE = `Origin: testyard
Label: testyard
Suite: bookworm-test-unstable
Codename: bookworm-test-unstable
Date: Sat, 21 Nov 2026 08:00:00 UTC
Architectures: amd64 all
Components: main
SHA256:
 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 main/binary-amd64/Packages
-not-a-field line, dash-escaped in the signed form
`;

describe('createSigner', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let armoredSecret: string;
  let signer: Signer;

  beforeAll(async () => {
    armoredSecret = await generateSigningKey({
      userId: instanceUserId('testyard'),
      date: clock.now(),
    });
    signer = await createSigner(armoredSecret, { clock });
  });

  it('describes the instance key: ed25519, certify and sign, user id from the identity', () => {
    expect(signer.key).toMatchObject({
      algorithm: 'ed25519',
      capabilities: ['certify', 'sign'],
      userId: 'debyard archive key (testyard)',
      created: clock.now(),
      expires: null,
      subkeys: [],
    });
    expect(signer.key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
  });

  it('clear-signs in the layout gpg --clearsign writes, with SHA-512', async () => {
    const signed = await signer.clearSign(RELEASE);
    const body = RELEASE.slice(0, -1).replace(/^-/gm, '- -');
    expect(
      signed.startsWith(
        `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n${body}\n-----BEGIN PGP SIGNATURE-----\n`,
      ),
    ).toBe(true);
    expect(signed).not.toContain('\r');
    expect(signed.endsWith('-----END PGP SIGNATURE-----\n')).toBe(true);
    const verified = await createVerifier({ clock }).verifyClearSigned(
      signed,
      await Keyring.from([signer.publicKeyBinary()]),
    );
    expect(verified).toMatchObject({
      body: RELEASE,
      fingerprint: signer.key.fingerprint,
      signedAt: clock.now(),
    });
  });

  it('makes an armored detached signature over the exact bytes', async () => {
    const armored = await signer.detachSign(RELEASE);
    expect(armored).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
    const signature = await openpgp.readSignature({ armoredSignature: armored });
    expect(signature.packets[0]!.hashAlgorithm).toBe(openpgp.enums.hash.sha512);
    const verificationKeys = await openpgp.readKey({ armoredKey: signer.publicKeyArmored() });
    const check = async (data: Uint8Array) => {
      const { signatures } = await openpgp.verify({
        message: await openpgp.createMessage({ binary: data }),
        signature,
        verificationKeys,
        date: clock.now(),
      });
      return signatures[0]!.verified.then(
        () => 'good',
        () => 'bad',
      );
    };
    expect(await check(Buffer.from(RELEASE))).toBe('good');
    expect(await check(Buffer.from(RELEASE.replace('amd64 all', 'amd64')))).toBe('bad');
  });

  it('exports the public key only', async () => {
    expect(signer.publicKeyArmored()).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
    const key = await openpgp.readKey({ binaryKey: signer.publicKeyBinary() });
    expect(key.isPrivate()).toBe(false);
    expect(key.getFingerprint().toUpperCase()).toBe(signer.key.fingerprint);
  });

  it('refuses a passphrase-protected key and one that cannot sign now', async () => {
    const privateKey = await openpgp.readPrivateKey({ armoredKey: armoredSecret });
    const locked = await openpgp.encryptKey({ privateKey, passphrase: 'secret' });
    const fingerprint = signer.key.fingerprint;
    await expect(createSigner(locked.armor(), { clock })).rejects.toThrow(
      new InvalidInputError(
        `secret key ${fingerprint} is protected by a passphrase; debyard needs it unprotected`,
      ),
    );
    const before = new ManualClock('2026-05-01T00:00:00Z');
    await expect(createSigner(armoredSecret, { clock: before })).rejects.toThrow(
      /^secret key [0-9A-F]{40} cannot sign: /,
    );
    await expect(createSigner('not a key', { clock })).rejects.toThrow(
      /^not an OpenPGP secret key: /,
    );
  });
});
