/* global process, console, performance */
// Signing and verification speed: debyard (openpgp.js, in-process) vs GnuPG (gpg/gpgv
// processes, as reprepro and aptly use them) on the same keys and inputs.
//   npm run build && node bench/pgp/sign-verify.mjs [iterations]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Keyring } from '../../dist/pgp/keyring.js';
import { createSigner } from '../../dist/pgp/signer.js';
import { generateSigningKey, instanceUserId } from '../../dist/pgp/signing-key.js';
import { createVerifier } from '../../dist/pgp/verifier.js';
import { systemClock } from '../../dist/shared/clock.js';

const iterations = Number(process.argv[2] ?? 20);
const dir = mkdtempSync(path.join(os.tmpdir(), 'debyard-bench-pgp-'));
const env = { ...process.env, GNUPGHOME: path.join(dir, 'gnupg') };
spawnSync('mkdir', ['-m', '700', env.GNUPGHOME]);

function gpg(args, input) {
  const result = spawnSync('gpg', ['--batch', '--no-tty', ...args], { env, input });
  if (result.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Median wall time in ms of `iterations` runs (after one warm-up run). */
async function median(run) {
  await run();
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** A Release of about 1 MB: checksum lines for many indices. */
function bigRelease() {
  const lines = ['Origin: bench', 'Label: bench', 'Suite: bookworm-bench-unstable', 'SHA256:'];
  for (let i = 0; lines.join('\n').length < 1_000_000; i++) {
    const hash = i.toString(16).padStart(64, '0');
    lines.push(` ${hash} ${1000 + i} main/binary-amd64/Packages-${i}.xz`);
  }
  return `${lines.join('\n')}\n`;
}

const row = (label, ours, theirs) =>
  console.log(
    `${label.padEnd(50)} ours ${ours.toFixed(1).padStart(7)} ms   gpg ${theirs.toFixed(1).padStart(7)} ms   gpg/ours ${(theirs / ours).toFixed(1)}x`,
  );

const release = bigRelease();
writeFileSync(path.join(dir, 'Release'), release);
console.log(`Release: ${(release.length / 1e6).toFixed(2)} MB; median of ${iterations} runs`);

const signers = {};
for (const algorithm of ['ed25519', 'rsa4096']) {
  const start = performance.now();
  const armored = await generateSigningKey({
    algorithm,
    userId: instanceUserId('bench'),
    date: new Date(Date.now() - 60_000),
  });
  console.log(`generate ${algorithm} key: ${(performance.now() - start).toFixed(0)} ms`);
  const signer = await createSigner(armored, { clock: systemClock });
  gpg(['--import'], armored);
  signers[algorithm] = signer;
  const fpr = signer.key.fingerprint;
  const file = path.join(dir, 'Release');
  row(
    `clear-sign 1 MB Release (InRelease), ${algorithm}`,
    await median(() => signer.clearSign(release)),
    await median(() =>
      gpg(['--local-user', fpr, '--digest-algo', 'SHA512', '--clearsign', '-o', '-', file]),
    ),
  );
  row(
    `detach-sign 1 MB Release (Release.gpg), ${algorithm}`,
    await median(() => signer.detachSign(release)),
    await median(() =>
      gpg([
        '--local-user',
        fpr,
        '--digest-algo',
        'SHA512',
        '--armor',
        '--detach-sign',
        '-o',
        '-',
        file,
      ]),
    ),
  );
}

// A .changes signed by gpg with an uploader's ed25519 key, verified against a keyring.
gpg(['--passphrase', '', '--quick-gen-key', 'Uploader <up@example.org>', 'ed25519', 'sign', '1y']);
const changes = `Format: 1.8\nSource: hello\nVersion: 1.0-1\nFiles:\n${' 0123456789abcdef0123456789abcdef 1234 misc optional hello_1.0-1.dsc\n'.repeat(20)}`;
const signedChanges = gpg(['--local-user', 'up@example.org', '--clearsign'], changes).toString(
  'utf8',
);
writeFileSync(path.join(dir, 'hello.changes'), signedChanges);
const exported = gpg(['--export', 'up@example.org']);
writeFileSync(path.join(dir, 'uploaders.gpg'), exported);
const keyring = await Keyring.from([exported]);
const verifier = createVerifier({ clock: systemClock });
row(
  'verify a .changes (ed25519 uploader key)',
  await median(() => verifier.verifyClearSigned(signedChanges, keyring)),
  await median(() => {
    const r = spawnSync(
      'gpgv',
      ['--keyring', path.join(dir, 'uploaders.gpg'), path.join(dir, 'hello.changes')],
      { env },
    );
    if (r.status !== 0) throw new Error(String(r.stderr));
  }),
);

spawnSync('gpgconf', ['--homedir', env.GNUPGHOME, '--kill', 'all']);
rmSync(dir, { recursive: true, force: true });
