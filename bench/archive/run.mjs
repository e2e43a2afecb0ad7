/* global console */
// bench/archive: debyard vs reprepro vs aptly on the same 5,000 small .debs.
// Usage: npm run build && node bench/archive/run.mjs [--dir DIR] [--sources 1667] [--rounds 3]
// Needs reprepro, aptly, gnupg, dpkg-dev and GNU time (/usr/bin/time).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENV } from './daemon-env.mjs';
import { buildAll, buildDeb, debGroups } from './debs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const dir = path.resolve(opt('dir', path.join(os.tmpdir(), 'debyard-bench-archive')));
const sources = Number(opt('sources', '1667'));
const rounds = Number(opt('rounds', '3'));
const debsDir = path.join(dir, `debs-${sources}`);
const work = path.join(dir, 'work');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs a command under GNU time: wall seconds and peak RSS (MB). */
function timed(command, commandArgs, options = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...commandArgs], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    ...options,
  });
  if (r.status !== 0) throw new Error(`${command} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const [seconds, kb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { seconds, rssMb: kb / 1024, stdout: r.stdout };
}

function gpgHome() {
  const home = path.join(work, 'gnupg');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const gpg = (a) =>
    execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', ...a], { encoding: 'utf8' });
  gpg(['--passphrase', '', '--quick-gen-key', 'bench <bench@example.org>', 'ed25519', 'sign', '0']);
  const fpr = gpg(['--with-colons', '--list-secret-keys'])
    .split('\n')
    .find((l) => l.startsWith('fpr'));
  return { home, fingerprint: fpr.split(':')[9] };
}

function debyard(extra, more, instanceKey) {
  const home = path.join(work, 'debyard');
  rmSync(home, { recursive: true, force: true });
  // Its instance key exists beforehand, as reprepro's and aptly's gpg key does.
  mkdirSync(path.join(home, 'keys'), { recursive: true, mode: 0o700 });
  copyFileSync(instanceKey, path.join(home, 'keys', path.basename(instanceKey)));
  const groups = debGroups(debsDir, sources);
  writeFileSync(path.join(work, 'bulk.json'), JSON.stringify(groups));
  writeFileSync(path.join(work, 'add.json'), JSON.stringify([[extra]]));
  const script = path.join(here, 'debyard.mjs');
  const options = { env: DAEMON_ENV };
  const bulk = timed(
    process.execPath,
    [script, 'bulk', home, path.join(work, 'bulk.json')],
    options,
  );
  const add = timed(process.execPath, [script, 'add', home, path.join(work, 'add.json')], options);
  // The daemon's case: one upload after another into the archive a bulk made, in the
  // process that made it (its code warm). Timed inside; the process's own time is not used.
  rmSync(home, { recursive: true, force: true });
  mkdirSync(path.join(home, 'keys'), { recursive: true, mode: 0o700 });
  copyFileSync(instanceKey, path.join(home, 'keys', path.basename(instanceKey)));
  writeFileSync(path.join(work, 'more.json'), JSON.stringify(more.map((deb) => [deb])));
  const daemon = JSON.parse(
    timed(
      process.execPath,
      [script, 'bulk-then-each', home, path.join(work, 'bulk.json'), path.join(work, 'more.json')],
      options,
    ).stdout,
  );
  return {
    bulk: { ...bulk, ...JSON.parse(bulk.stdout) },
    add: { ...add, ...JSON.parse(add.stdout), daemonMs: median(daemon.eachMs) },
  };
}

/** debyard's instance key, made once (untimed) by opening an empty archive. */
function debyardKey() {
  const home = path.join(work, 'debyard-key');
  const list = path.join(work, 'none.json');
  writeFileSync(list, '[]');
  execFileSync(process.execPath, [path.join(here, 'debyard.mjs'), 'bulk', home, list]);
  return path.join(home, 'keys', 'instance-key.asc');
}

function reprepro(gpg, extra) {
  const base = path.join(work, 'reprepro');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(path.join(base, 'conf'), { recursive: true });
  writeFileSync(
    path.join(base, 'conf', 'distributions'),
    `Codename: bookworm-bench-unstable\nArchitectures: amd64 arm64\nComponents: main\n` +
      `SignWith: ${gpg.fingerprint}\nDebIndices: Packages Release . .gz .xz\nContents: .gz\n`,
  );
  const env = { ...process.env, GNUPGHOME: gpg.home };
  const debs = readdirSync(debsDir)
    .filter((f) => f.endsWith('.deb'))
    .map((f) => path.join(debsDir, f));
  const bulk = timed(
    'reprepro',
    ['-b', base, '--silent', 'includedeb', 'bookworm-bench-unstable', ...debs],
    { env },
  );
  const add = timed(
    'reprepro',
    ['-b', base, '--silent', 'includedeb', 'bookworm-bench-unstable', extra],
    { env },
  );
  return { bulk, add };
}

function aptly(gpg, extra) {
  const root = path.join(work, 'aptly');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const conf = path.join(root, 'aptly.conf');
  writeFileSync(
    conf,
    JSON.stringify({ rootDir: root, gpgProvider: 'gpg', architectures: ['amd64', 'arm64'] }),
  );
  const env = { ...process.env, GNUPGHOME: gpg.home };
  const a = (...rest) => ['-config', conf, ...rest];
  execFileSync(
    'aptly',
    a('repo', 'create', '-distribution=bookworm-bench-unstable', '-component=main', 'bench'),
    { env, stdio: 'ignore' },
  );
  const add = timed('aptly', a('repo', 'add', 'bench', debsDir), { env });
  const publish = timed('aptly', a('publish', 'repo', `-gpg-key=${gpg.fingerprint}`, 'bench'), {
    env,
  });
  const addOne = timed('aptly', a('repo', 'add', 'bench', extra), { env });
  const update = timed(
    'aptly',
    a('publish', 'update', `-gpg-key=${gpg.fingerprint}`, 'bookworm-bench-unstable'),
    { env },
  );
  return {
    bulk: { seconds: add.seconds + publish.seconds, rssMb: Math.max(add.rssMb, publish.rssMb) },
    add: { seconds: addOne.seconds + update.seconds, rssMb: Math.max(addOne.rssMb, update.rssMb) },
  };
}

await buildAll(debsDir, sources);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const extra = await buildDeb(work, {
  name: 'extra-package',
  source: 'extra-package',
  arch: 'amd64',
});
const more = [];
for (const n of [1, 2, 3, 4, 5]) {
  const name = `extra-package${n}`;
  more.push(await buildDeb(work, { name, source: name, arch: n % 2 ? 'amd64' : 'arm64' }));
}
const gpg = gpgHome();
const instanceKey = debyardKey();
const debCount = readdirSync(debsDir).filter((f) => f.endsWith('.deb')).length;
console.log(
  `${debCount} .debs (amd64, arm64, all); then one more; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
);
// Rounds alternate the tools, so a change of load on a shared machine hits all three.
const all = [];
for (let r = 0; r < rounds; r++) {
  const round = {
    debyard: debyard(extra, more, instanceKey),
    reprepro: reprepro(gpg, extra),
    aptly: aptly(gpg, extra),
  };
  all.push(round);
  console.log(
    `round ${r + 1}: bulk ${Object.entries(round)
      .map(([tool, t]) => `${tool} ${t.bulk.seconds.toFixed(2)} s`)
      .join(', ')}; add one ${Object.entries(round)
      .map(([tool, t]) => `${tool} ${t.add.seconds.toFixed(2)} s`)
      .join(', ')}; load ${os.loadavg()[0].toFixed(1)}`,
  );
}
const pick = (tool, phase, key) => median(all.map((r) => r[tool][phase][key]));
const results = Object.fromEntries(
  ['debyard', 'reprepro', 'aptly'].map((tool) => [
    tool,
    Object.fromEntries(
      ['bulk', 'add'].map((phase) => [
        phase,
        {
          seconds: pick(tool, phase, 'seconds'),
          rssMb: Math.max(...all.map((r) => r[tool][phase].rssMb)),
          ms: tool === 'debyard' ? pick(tool, phase, 'ms') : undefined,
          daemonMs:
            tool === 'debyard' && phase === 'add' ? pick(tool, phase, 'daemonMs') : undefined,
        },
      ]),
    ),
  ]),
);
console.log(`\nmedian of ${rounds} rounds (peak RSS: the largest)`);

const fmt = (s) => `${s.toFixed(2)} s`;
console.log(
  '\n| tool | bulk include + signed publish | peak RSS | add one + republish | peak RSS |',
);
console.log('|---|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(
    `| ${name} | ${fmt(r.bulk.seconds)} | ${r.bulk.rssMb.toFixed(0)} MB | ${fmt(r.add.seconds)} | ${r.add.rssMb.toFixed(0)} MB |`,
  );
}
const d = results.debyard;
const best = Math.min(results.reprepro.bulk.seconds, results.aptly.bulk.seconds);
const perRound = all.map(
  (r) => Math.min(r.reprepro.bulk.seconds, r.aptly.bulk.seconds) / r.debyard.bulk.seconds,
);
console.log(`bulk ratio per round: ${perRound.map((x) => `${x.toFixed(2)}×`).join(', ')}`);
console.log(
  `\nbulk: faster of reprepro/aptly ÷ debyard = ${(best / d.bulk.seconds).toFixed(2)}× (target ≥ 2×)`,
);
console.log(
  `add one vs reprepro: ${(results.reprepro.add.seconds / d.add.seconds).toFixed(2)}×, vs aptly: ${(results.aptly.add.seconds / d.add.seconds).toFixed(2)}×`,
);
console.log(
  `add one, as the daemon does it (in the process of the bulk, after it): ${d.add.daemonMs} ms = ` +
    `${((100 * d.add.daemonMs) / d.bulk.ms).toFixed(1)} % of the bulk's ${d.bulk.ms} ms (target < 5 %)`,
);
console.log(
  `add one in a fresh process (a CLI): ${d.add.ms} ms = ${((100 * d.add.ms) / d.bulk.ms).toFixed(1)} % of the bulk; ` +
    `with process start-up ${fmt(d.add.seconds)} = ${((100 * d.add.seconds) / d.bulk.seconds).toFixed(1)} % of the bulk's ${fmt(d.bulk.seconds)}`,
);
console.log(
  // Issue 19's target; reprepro's peak is printed above.
  `peak RSS debyard ${Math.max(d.bulk.rssMb, d.add.rssMb).toFixed(0)} MB (target ≤ 150 MB: ${Math.max(d.bulk.rssMb, d.add.rssMb) <= 150 ? 'met' : 'MISSED'})`,
);
// The gpg agent reprepro and aptly started for the bench key would outlive the run.
spawnSync('gpgconf', ['--homedir', gpg.home, '--kill', 'all']);
