/* global console */
// bench/archive/scale: the Debian-scale row — 63,000 binary packages in one suite.
// Usage: npm run build && node bench/archive/scale.mjs [--dir DIR] [--packages 63000]
//          [--reprepro-timeout 600] [--no-reprepro]
// Writes the .debs once (bench/archive/scale-debs.mjs) into DIR (default
// $TMPDIR/debyard-bench-scale), then on the same files: debyard's bulk include + signed
// publish in its own process (GNU time: wall, peak RSS), then in that process five more
// packages one after the other (the daemon's add one, timed inside), then reprepro's
// includedeb of the same files (in batches: one call's arguments would exceed ARG_MAX) and
// its export, bounded by --reprepro-timeout seconds. Prints the ratios and the targets.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENV } from './daemon-env.mjs';
import { debName, sourceOf, writeExtraDebs, writeScaleDebs } from './scale-debs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const dir = path.resolve(opt('dir', path.join(os.tmpdir(), 'debyard-bench-scale')));
const count = Number(opt('packages', '63000'));
const repreproTimeout = Number(opt('reprepro-timeout', '600'));
const debsDir = path.join(dir, `debs-${count}`);
const work = path.join(dir, 'work');
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Runs a command under GNU time: wall seconds and peak RSS (MB); null when it timed out. */
function timed(command, commandArgs, options = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', command, ...commandArgs], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    killSignal: 'SIGKILL',
    ...options,
  });
  if (r.error?.code === 'ETIMEDOUT') return null;
  if (r.status !== 0) throw new Error(`${command} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const [seconds, kb, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { seconds, rssMb: kb / 1024, cpu: user + sys, stdout: r.stdout };
}

const paragraphs = writeScaleDebs(debsDir, count);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const bySource = new Map();
for (const p of paragraphs) {
  const key = sourceOf(p);
  bySource.set(key, [...(bySource.get(key) ?? []), path.join(debsDir, debName(p))]);
}
const groups = [...bySource.values()];
writeFileSync(path.join(work, 'bulk.json'), JSON.stringify(groups));
// Five more packages: copies of real paragraphs under new names.
const extraDir = path.join(work, 'extra');
mkdirSync(extraDir);
const more = writeExtraDebs(extraDir, paragraphs, 5);
writeFileSync(path.join(work, 'more.json'), JSON.stringify(more.map((f) => [f])));
console.log(
  `${paragraphs.length} .debs (${groups.length} sources) in ${debsDir}; ${os.cpus().length} cores, load ${load()}`,
);

// debyard: its instance key made beforehand (untimed), as reprepro's gpg key is.
const keyHome = path.join(work, 'debyard-key');
writeFileSync(path.join(work, 'none.json'), '[]');
execFileSync(process.execPath, [
  path.join(here, 'debyard.mjs'),
  'bulk',
  keyHome,
  path.join(work, 'none.json'),
]);
const home = path.join(work, 'debyard');
mkdirSync(path.join(home, 'keys'), { recursive: true, mode: 0o700 });
copyFileSync(
  path.join(keyHome, 'keys', 'instance-key.asc'),
  path.join(home, 'keys', 'instance-key.asc'),
);
const d = timed(
  process.execPath,
  [
    path.join(here, 'debyard.mjs'),
    'bulk-then-each',
    home,
    path.join(work, 'bulk.json'),
    path.join(work, 'more.json'),
  ],
  { env: DAEMON_ENV },
);
const dOut = JSON.parse(d.stdout);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `debyard: bulk + signed publish ${d.seconds.toFixed(2)} s wall (operation ${(dOut.ms / 1000).toFixed(2)} s), ` +
    `peak RSS ${d.rssMb.toFixed(0)} MB (after the bulk ${dOut.hwmMb} MB), CPU ${d.cpu.toFixed(1)} s; ` +
    `add one in the same process ${dOut.eachMs.join(', ')} ms; load ${load()}`,
);

checkPlainIndices(path.join(home, 'repos', 'bench', 'dists', 'bookworm-bench-unstable'));

let r = null;
if (!args.includes('--no-reprepro')) r = reprepro();

console.log('\n| tool | bulk include + signed publish | peak RSS | add one (daemon, warm) |');
console.log('|---|---|---|---|');
console.log(
  `| debyard | ${d.seconds.toFixed(2)} s | ${d.rssMb.toFixed(0)} MB | ${median(dOut.eachMs)} ms |`,
);
if (r) {
  console.log(
    `| reprepro | ${r.bulk ? `${r.bulk.seconds.toFixed(2)} s` : `> ${repreproTimeout} s (stopped)`} | ${r.bulk ? `${r.bulk.rssMb.toFixed(0)} MB` : '—'} | ${r.add ? `${r.add.seconds.toFixed(2)} s (a process)` : '—'} |`,
  );
  if (r.bulk) console.log(`bulk: reprepro ÷ debyard = ${(r.bulk.seconds / d.seconds).toFixed(2)}×`);
  else console.log(`bulk: reprepro ÷ debyard > ${(repreproTimeout / d.seconds).toFixed(1)}×`);
  if (r.add) {
    console.log(
      `add one: reprepro ÷ debyard (daemon) = ${((1000 * r.add.seconds) / median(dOut.eachMs)).toFixed(1)}×`,
    );
  }
}
const verdict = (ok) => (ok ? 'met' : 'MISSED');
console.log(
  `targets: bulk < 30 s: ${d.seconds.toFixed(2)} s ${verdict(d.seconds < 30)}; ` +
    `peak RSS < 400 MB: ${d.rssMb.toFixed(0)} MB ${verdict(d.rssMb < 400)}; ` +
    `add one < 150 ms: ${median(dOut.eachMs)} ms ${verdict(median(dOut.eachMs) < 150)}; load ${load()}`,
);

/**
 * The Release's entries for the plain Packages (listed, not served at this size) against the
 * text of their .xz: a wrong hash there is what apt reports as a hash sum mismatch.
 */
function checkPlainIndices(dist) {
  const release = readFileSync(path.join(dist, 'Release'), 'utf8');
  const sums = release.slice(release.indexOf('SHA256:')).split('\n').slice(1);
  for (const line of sums) {
    const [sha256, size, file] = line.trim().split(/\s+/);
    if (!file?.endsWith('/Packages')) continue;
    const text = execFileSync('xz', ['-dc', path.join(dist, `${file}.xz`)], {
      maxBuffer: 1 << 30,
    });
    const actual = createHash('sha256').update(text).digest('hex');
    if (actual !== sha256 || text.length !== Number(size)) {
      throw new Error(
        `${file}: the Release says ${sha256} ${size}, its .xz holds ${actual} ${text.length}`,
      );
    }
  }
  console.log('debyard: the Release lists every plain Packages with the hash of its .xz text');
}

function reprepro() {
  const gnupg = path.join(work, 'gnupg');
  mkdirSync(gnupg, { recursive: true, mode: 0o700 });
  const gpg = (a) =>
    execFileSync('gpg', ['--homedir', gnupg, '--batch', '--quiet', ...a], { encoding: 'utf8' });
  gpg(['--passphrase', '', '--quick-gen-key', 'bench <bench@example.org>', 'ed25519', 'sign', '0']);
  const fpr = gpg(['--with-colons', '--list-secret-keys'])
    .split('\n')
    .find((l) => l.startsWith('fpr'))
    .split(':')[9];
  const base = path.join(work, 'reprepro');
  mkdirSync(path.join(base, 'conf'), { recursive: true });
  writeFileSync(
    path.join(base, 'conf', 'distributions'),
    `Codename: bookworm-bench-unstable\nArchitectures: amd64\nComponents: main\n` +
      // The forms debyard serves at this size (uncompressed_index_limit): .gz and .xz.
      `SignWith: ${fpr}\nDebIndices: Packages Release .gz .xz\nContents: .gz\n`,
  );
  const env = { ...process.env, GNUPGHOME: gnupg };
  const files = groups.flat();
  const started = Date.now();
  const deadline = () => Math.max(1, repreproTimeout * 1000 - (Date.now() - started));
  let rssMb = 0;
  let cpu = 0;
  // ARG_MAX: includedeb in batches without exporting, then one export (signed).
  for (let i = 0; i < files.length; i += 4000) {
    const step = timed(
      'reprepro',
      [
        '-b',
        base,
        '--silent',
        '--export=never',
        'includedeb',
        'bookworm-bench-unstable',
        ...files.slice(i, i + 4000),
      ],
      { env, timeout: deadline() },
    );
    if (!step) return stopped(gnupg, i);
    rssMb = Math.max(rssMb, step.rssMb);
    cpu += step.cpu;
  }
  const exported = timed('reprepro', ['-b', base, '--silent', 'export'], {
    env,
    timeout: deadline(),
  });
  if (!exported) return stopped(gnupg, files.length);
  const bulk = {
    seconds: (Date.now() - started) / 1000,
    rssMb: Math.max(rssMb, exported.rssMb),
    cpu: cpu + exported.cpu,
  };
  const add = timed(
    'reprepro',
    ['-b', base, '--silent', 'includedeb', 'bookworm-bench-unstable', more[0]],
    { env },
  );
  console.log(
    `reprepro: bulk ${bulk.seconds.toFixed(2)} s, peak RSS ${bulk.rssMb.toFixed(0)} MB, CPU ${bulk.cpu.toFixed(1)} s; ` +
      `add one ${add.seconds.toFixed(2)} s; load ${load()}`,
  );
  spawnSync('gpgconf', ['--homedir', gnupg, '--kill', 'all']);
  return { bulk, add };
}

function stopped(gnupg, included) {
  console.log(
    `reprepro: stopped after ${repreproTimeout} s with about ${included} of ${groups.flat().length} packages included; load ${load()}`,
  );
  spawnSync('gpgconf', ['--homedir', gnupg, '--kill', 'all']);
  return { bulk: null, add: null };
}
