import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../../src/pgp/keyring.js';
import { createVerifier } from '../../../src/pgp/verifier.js';
import { systemClock } from '../../../src/shared/clock.js';
import { SignatureError } from '../../../src/shared/errors.js';
import { GnupgHome, tempDir } from '../../fixtures/index.js';
import { CHANGES } from '../../fixtures/subsystems.js';

// Real gpg, dpkg-source, dpkg-genchanges and debsign sign; debyard verifies. ~3 s.
const verifier = createVerifier({ clock: systemClock });

async function rejection(text: string, keyring: Keyring): Promise<SignatureError> {
  const error = await verifier.verifyClearSigned(text, keyring).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignatureError);
  return error as SignatureError;
}

describe('files signed by GnuPG and debsign, verified by debyard', () => {
  let gnupg: GnupgHome;
  let jane: string;
  let split: string;
  let splitSigning: string;

  beforeAll(() => {
    gnupg = new GnupgHome();
    jane = gnupg.generateKey('Jane Doe <jane@example.org>', 'ed25519', 'sign', '1y');
    // A certify-only primary key with a signing subkey, as careful packagers have.
    split = gnupg.generateKey('Sub Signer <sub@example.org>', 'ed25519', 'cert', 'never');
    gnupg.addSubkey(split, 'ed25519', 'sign', '1y');
    splitSigning = gnupg.listKeys(split)[0]!.subkeys[0]!.fingerprint;
  });
  afterAll(() => gnupg.dispose());

  it('verifies gpg --clearsign output, returning the body as gpg --decrypt does', async () => {
    const signed = gnupg.clearSign(jane, CHANGES);
    const keyring = await Keyring.from([gnupg.exportKey(jane, true).toString('utf8')]);
    const result = await verifier.verifyClearSigned(signed, keyring);
    expect(result.body).toBe(gnupg.gpg(['--decrypt'], signed).toString('utf8'));
    expect(result.body).toBe(CHANGES);
    expect(result).toMatchObject({
      fingerprint: jane,
      signingKeyFingerprint: jane,
      userId: 'Jane Doe <jane@example.org>',
    });
    expect(Math.abs(result.signedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('verifies a signature by a signing subkey and names the primary key', async () => {
    const signed = gnupg.clearSign(split, CHANGES);
    const keyring = await Keyring.from([gnupg.exportKey(split, false)]);
    expect(keyring.lookup(splitSigning.slice(-16))?.key.fingerprint).toBe(split);
    const result = await verifier.verifyClearSigned(signed, keyring);
    expect(result.fingerprint).toBe(split);
    expect(result.signingKeyFingerprint).toBe(splitSigning);
  });

  it('verifies the .dsc and .changes of a source package signed by debsign', async () => {
    const dir = tempDir();
    const { changes, dsc } = buildSignedSourcePackage(dir, gnupg, split);
    const keyring = await Keyring.from([gnupg.exportKey(split, false)]);
    for (const file of [changes, dsc]) {
      const text = readFileSync(file, 'utf8');
      const result = await verifier.verifyClearSigned(text, keyring);
      expect(result.fingerprint).toBe(split);
      expect(result.body).toBe(gnupg.gpg(['--decrypt', file]).toString('utf8'));
    }
    const changesBody = (await verifier.verifyClearSigned(readFileSync(changes, 'utf8'), keyring))
      .body;
    expect(changesBody).toMatch(/^Format: 1\.8\nDate: .*\nSource: hello\n/);
    // debsign signed the .dsc first and put its new checksum into the .changes.
    const dscSize = readFileSync(dsc).length;
    expect(changesBody).toMatch(new RegExp(`^ [0-9a-f]{64} ${dscSize} hello_1\\.0\\.dsc$`, 'm'));
  });

  describe('rejections', () => {
    it('a SHA-1 signature', async () => {
      const rsa = gnupg.generateKey('Old Habits <old@example.org>', 'rsa2048', 'sign', 'never');
      const signed = gnupg.clearSign(rsa, CHANGES, ['--digest-algo', 'SHA1']);
      expect(signed).toContain('\nHash: SHA1\n');
      const error = await rejection(signed, await Keyring.from([gnupg.exportKey(rsa, true)]));
      expect(error.message).toBe(
        `the signature by key ${rsa} uses the insecure digest algorithm SHA1; sign with SHA256 or stronger (add "personal-digest-preferences SHA512" to ~/.gnupg/gpg.conf)`,
      );
      expect(error.details.reason).toBe('insecure_hash');
    });

    it('an expired key, though it signed while valid', async () => {
      const old = gnupg.generateKey(
        'Expired <expired@example.org>',
        'ed25519',
        'sign',
        '1d',
        '20200101T000000',
      );
      const signed = gnupg.clearSign(old, CHANGES, ['--faked-system-time', '20200101T120000']);
      expect(gnupg.listKeys(old)[0]!.validity).toBe('e');
      const error = await rejection(signed, await Keyring.from([gnupg.exportKey(old, true)]));
      expect(error.message).toBe(
        `key ${old} (Expired <expired@example.org>) expired on 2020-01-02 00:00:00 UTC`,
      );
      expect(error.details.reason).toBe('expired_key');
    });

    it('a revoked key', async () => {
      const lost = gnupg.generateKey('Lost <lost@example.org>', 'ed25519', 'sign', 'never');
      const signed = gnupg.clearSign(lost, CHANGES);
      gnupg.revoke(lost);
      expect(gnupg.listKeys(lost)[0]!.validity).toBe('r');
      const error = await rejection(signed, await Keyring.from([gnupg.exportKey(lost, true)]));
      expect(error.message).toBe(`key ${lost} (Lost <lost@example.org>) is revoked`);
      expect(error.details.reason).toBe('revoked_key');
    });

    it('an unknown key, by fingerprint', async () => {
      const signed = gnupg.clearSign(split, CHANGES);
      const error = await rejection(signed, await Keyring.from([gnupg.exportKey(jane, true)]));
      expect(error.message).toBe(
        `signed by unknown key ${splitSigning}: it is not in the keyring of allowed uploaders`,
      );
    });

    it('a body changed after signing', async () => {
      const signed = gnupg
        .clearSign(jane, CHANGES)
        .replace('Distribution: unstable', 'Distribution: stable');
      const error = await rejection(signed, await Keyring.from([gnupg.exportKey(jane, true)]));
      expect(error.message).toBe(
        `BAD signature by key ${jane} (Jane Doe <jane@example.org>): the signed text does not match its signature (changed after signing?)`,
      );
    });

    it('a file that is not signed, and damaged armor', async () => {
      const keyring = await Keyring.from([gnupg.exportKey(jane, true)]);
      expect((await rejection(CHANGES, keyring)).details.reason).toBe('not_signed');
      const signed = gnupg.clearSign(jane, CHANGES);
      const damaged = signed.replace(/(-----BEGIN PGP SIGNATURE-----\n\n)..../, '$1AAAA');
      expect((await rejection(damaged, keyring)).message).toBe(
        'malformed OpenPGP signed message: the signature block is damaged (not valid OpenPGP data)',
      );
    });
  });
});

describe('uploader keys exported by gpg, listed by debyard', () => {
  let gnupg: GnupgHome;
  beforeAll(() => void (gnupg = new GnupgHome()));
  afterAll(() => gnupg.dispose());

  it('lists fingerprints, user ids, creation, expiry, revocation and subkeys as gpg does', async () => {
    const jane = gnupg.generateKey('Jane Doe <jane@example.org>', 'ed25519', 'sign', '2y');
    gnupg.gpg(['--quick-add-uid', jane, 'Jane Doe <jane@debian.org>']);
    const split = gnupg.generateKey('Sub Signer <sub@example.org>', 'ed25519', 'cert', 'never');
    gnupg.addSubkey(split, 'ed25519', 'sign', '1y');
    gnupg.addSubkey(split, 'cv25519', 'encr', '1y');
    gnupg.generateKey('Expired <expired@example.org>', 'ed25519', 'sign', '1d', '20200101T000000');
    gnupg.revoke(gnupg.generateKey('Lost <lost@example.org>', 'ed25519', 'sign', 'never'));

    // One armored block holding every key, as `gpg --export --armor` writes it.
    const keyring = await Keyring.from([gnupg.exportKey(undefined, true)]);
    const component = (c: { fingerprint: string; created: Date; expires: Date | null }) => ({
      fingerprint: c.fingerprint,
      created: c.created,
      expires: c.expires,
    });
    const ours = keyring.list().map((k) => ({
      ...component(k),
      userIds: [...k.userIds].sort(),
      revoked: k.revoked,
      subkeys: k.subkeys.map(component),
    }));
    const theirs = gnupg.listKeys().map((k) => ({
      ...component(k),
      userIds: [...k.userIds].sort(),
      revoked: k.validity === 'r',
      subkeys: k.subkeys.map(component),
    }));
    expect(ours).toHaveLength(4);
    expect(ours).toEqual(theirs);
    expect(keyring.list().map((k) => k.algorithm)).toEqual([
      'ed25519',
      'ed25519',
      'ed25519',
      'ed25519',
    ]);
    expect(keyring.list()[1]!.subkeys.map((s) => [s.algorithm, s.capabilities])).toEqual([
      ['ed25519', ['sign']],
      ['cv25519', ['encrypt']],
    ]);
  });
});

/** A native source package built by dpkg-source and dpkg-genchanges, signed by debsign. */
function buildSignedSourcePackage(dir: string, gnupg: GnupgHome, key: string) {
  const tree = path.join(dir, 'hello-1.0');
  mkdirSync(path.join(tree, 'debian', 'source'), { recursive: true });
  const write = (name: string, text: string) =>
    writeFileSync(path.join(tree, 'debian', name), text);
  write('source/format', '3.0 (native)\n');
  write(
    'control',
    'Source: hello\nSection: misc\nPriority: optional\nMaintainer: Sub Signer <sub@example.org>\nStandards-Version: 4.6.2\n\nPackage: hello\nArchitecture: all\nDescription: test package\n A test package.\n',
  );
  write(
    'changelog',
    'hello (1.0) unstable; urgency=medium\n\n  * Initial release.\n\n -- Sub Signer <sub@example.org>  Sat, 21 Nov 2026 08:00:00 +0000\n',
  );
  write('rules', '#!/usr/bin/make -f\n%:\n\tdh $@\n');
  chmodSync(path.join(tree, 'debian', 'rules'), 0o755);
  const run = (cmd: string, args: string[], cwd: string) =>
    execFileSync(cmd, args, { cwd, env: gnupg.env, stdio: ['ignore', 'pipe', 'pipe'] });
  run('dpkg-source', ['-b', 'hello-1.0'], dir);
  const changes = path.join(dir, 'hello_1.0_source.changes');
  writeFileSync(changes, run('dpkg-genchanges', ['-S'], tree));
  run('debsign', ['--no-conf', `-k${key}`, changes], dir);
  return { changes, dsc: path.join(dir, 'hello_1.0.dsc') };
}
