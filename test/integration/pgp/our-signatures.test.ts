import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../../src/pgp/keyring.js';
import { createSigner, type Signer } from '../../../src/pgp/signer.js';
import {
  generateSigningKey,
  instanceUserId,
  type KeyAlgorithm,
} from '../../../src/pgp/signing-key.js';
import { createVerifier } from '../../../src/pgp/verifier.js';
import { systemClock } from '../../../src/shared/clock.js';
import { GnupgHome, persistentTempDir } from '../../fixtures/index.js';

// debyard signs; real gpgv (as apt runs it) and gpg verify. The RSA 4096 key is generated
// once (1-5 s); everything else takes milliseconds.
const RELEASE = `Origin: testyard
Label: testyard
Suite: bookworm-test-unstable
Codename: bookworm-test-unstable
Date: Sat, 21 Nov 2026 08:00:00 UTC
Valid-Until: Sat, 28 Nov 2026 08:00:00 UTC
Acquire-By-Hash: yes
Architectures: amd64 all
Components: main
Description: testyard bookworm-test-unstable
MD5Sum:
 d41d8cd98f00b204e9800998ecf8427e 0 main/binary-amd64/Packages
SHA256:
 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 main/binary-amd64/Packages
`;

/** VALIDSIG fields (gpg doc/DETAILS): fingerprint, date, …, pubkey algo, hash algo, class, primary. */
function validSig(status: string): { fingerprint: string; hashAlgorithm: number } | null {
  const match = status.match(/^\[GNUPG:\] VALIDSIG (\S+) (?:\S+ ){6}(\d+) /m);
  return match ? { fingerprint: match[1]!, hashAlgorithm: Number(match[2]) } : null;
}

const SHA256 = 8;

describe.each<KeyAlgorithm>(['ed25519', 'rsa4096'])(
  'InRelease and Release.gpg signed with %s',
  (algorithm) => {
    let dir: string;
    let gnupg: GnupgHome;
    let signer: Signer;
    let armoredSecret: string;
    const file = (name: string) => path.join(dir, name);
    const gpgv = (args: string[]) =>
      spawnSync('gpgv', ['--status-fd', '1', '--keyring', file('archive-key.gpg'), ...args], {
        encoding: 'utf8',
        env: gnupg.env,
      });

    beforeAll(async () => {
      dir = persistentTempDir();
      gnupg = new GnupgHome();
      armoredSecret = await generateSigningKey({
        algorithm,
        userId: instanceUserId('testyard'),
        date: new Date(Date.now() - 60_000),
      });
      signer = await createSigner(armoredSecret, { clock: systemClock });
      writeFileSync(file('archive-key.gpg'), signer.publicKeyBinary());
      writeFileSync(file('archive-key.asc'), signer.publicKeyArmored());
      writeFileSync(file('Release'), RELEASE);
      writeFileSync(file('InRelease'), await signer.clearSign(RELEASE));
      writeFileSync(file('Release.gpg'), await signer.detachSign(RELEASE));
    });
    afterAll(() => {
      gnupg.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('gpg reads the exported keys: algorithm, fingerprint, user id', () => {
      const show = gnupg.gpg([
        '--with-colons',
        '--import-options',
        'show-only',
        '--import',
        file('archive-key.gpg'),
      ]);
      const pub = show
        .toString('utf8')
        .split('\n')
        .find((l) => l.startsWith('pub:'))!
        .split(':');
      expect(algorithm === 'rsa4096' ? [pub[2], pub[3]] : [pub[3], pub[16]]).toEqual(
        algorithm === 'rsa4096' ? ['4096', '1'] : ['22', 'ed25519'],
      );
      gnupg.gpg(['--import', file('archive-key.asc')]);
      expect(gnupg.listKeys(signer.key.fingerprint)).toMatchObject([
        { fingerprint: signer.key.fingerprint, userIds: ['debyard archive key (testyard)'] },
      ]);
    });

    it('gpgv verifies InRelease with the binary key and outputs the Release text', () => {
      const result = gpgv(['--output', file('InRelease.out'), file('InRelease')]);
      expect(result.status, result.stderr).toBe(0);
      const valid = validSig(result.stdout);
      expect(valid?.fingerprint).toBe(signer.key.fingerprint);
      expect(valid!.hashAlgorithm).toBeGreaterThanOrEqual(SHA256);
      expect(spawnSync('cmp', [file('InRelease.out'), file('Release')]).status).toBe(0);
    });

    it('gpgv verifies Release.gpg over Release, and refuses it over a changed Release', () => {
      const result = gpgv([file('Release.gpg'), file('Release')]);
      expect(result.status, result.stderr).toBe(0);
      expect(validSig(result.stdout)?.fingerprint).toBe(signer.key.fingerprint);
      writeFileSync(file('Release.changed'), RELEASE.replace('amd64 all', 'amd64'));
      const bad = gpgv([file('Release.gpg'), file('Release.changed')]);
      expect(bad.status).not.toBe(0);
      expect(bad.stdout).toContain('[GNUPG:] BADSIG');
    });

    it('gpg --verify verifies both with the armored key', () => {
      gnupg.gpg(['--import', file('archive-key.asc')]);
      for (const args of [[file('InRelease')], [file('Release.gpg'), file('Release')]]) {
        const status = gnupg.gpg(['--status-fd', '1', '--verify', ...args]).toString('utf8');
        expect(validSig(status)?.fingerprint).toBe(signer.key.fingerprint);
      }
    });

    it('lays InRelease out as gpg --clearsign does with the same key', async () => {
      gnupg.gpg(['--import'], armoredSecret);
      const theirs = gnupg.clearSign(signer.key.fingerprint, RELEASE, ['--digest-algo', 'SHA512']);
      const ours = await signer.clearSign(RELEASE);
      const signedPart = (s: string) => s.slice(0, s.indexOf('-----BEGIN PGP SIGNATURE-----'));
      expect(signedPart(ours)).toBe(signedPart(theirs));
      // …and debyard's own verifier accepts what gpg signed with the instance key.
      const keyring = await Keyring.from([signer.publicKeyArmored()]);
      const verified = await createVerifier({ clock: systemClock }).verifyClearSigned(
        theirs,
        keyring,
      );
      expect(verified.body).toBe(RELEASE);
    });
  },
);
