/**
 * Mirror of a local repository: debyard's mirror-update vs `aptly mirror update`, on the
 * same signed repository served over HTTP on loopback, in one run.
 *
 * Run (as root): npm run build && node --import tsx bench/mirror/run.ts [--packages 10000]
 *
 * The repository: `--packages` synthetic .debs (bench/mirror/synthetic-debs.ts), indexed
 * with apt-ftparchive (Packages, .gz, .xz, Release), signed with gpg (InRelease,
 * Release.gpg), served by a small node HTTP server in its own process. Both tools mirror
 * all of it (one suite, one component, amd64) with the key, from nothing; then each is
 * updated again with nothing changed. debyard's time includes publishing the mirror
 * (indices, signed Release); aptly's `mirror update` does not publish, so a second aptly
 * row adds `snapshot create` + `publish snapshot` (signed) for the same end state.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { adminToken, api } from '../../test/helpers/api.js';
import { startTestDaemon } from '../../test/helpers/daemon.js';
import { writeSyntheticDeb } from './synthetic-debs.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { packages: { type: 'string', default: '10000' } } });
const count = Number(values.packages);
const dir = path.join(os.tmpdir(), 'debyard-bench-mirror');
rmSync(dir, { recursive: true, force: true });
const upstream = path.join(dir, 'upstream');
const gnupgHome = path.join(dir, 'gnupg');
mkdirSync(gnupgHome, { recursive: true, mode: 0o700 });
const env = { ...process.env, GNUPGHOME: gnupgHome };
const gpg = (...args: string[]) =>
  execFileSync('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...args], { env });

const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

// The repository.
let t = performance.now();
for (let n = 0; n < count; n++) {
  const name = `bench${String(n).padStart(5, '0')}`;
  const pool = path.join(upstream, 'pool/main', name.slice(0, 8), name);
  mkdirSync(pool, { recursive: true });
  writeSyntheticDeb(pool, {
    name,
    version: '1.0-1',
    arch: n % 4 === 0 ? 'all' : 'amd64',
    ...(n > 0 && { depends: `bench${String(n - 1).padStart(5, '0')} (>= 1.0)` }),
  });
}
const binary = path.join(upstream, 'dists/bench/main/binary-amd64');
mkdirSync(binary, { recursive: true });
writeFileSync(
  path.join(binary, 'Packages'),
  execFileSync('apt-ftparchive', ['packages', 'pool/main'], {
    cwd: upstream,
    maxBuffer: 1 << 30,
  }),
);
execFileSync('gzip', ['-k9n', path.join(binary, 'Packages')]);
execFileSync('xz', ['-k', path.join(binary, 'Packages')]);
const release = execFileSync(
  'apt-ftparchive',
  [
    '-o',
    'APT::FTPArchive::Release::Codename=bench',
    '-o',
    'APT::FTPArchive::Release::Suite=bench',
    '-o',
    'APT::FTPArchive::Release::Components=main',
    '-o',
    'APT::FTPArchive::Release::Architectures=amd64',
    'release',
    'dists/bench',
  ],
  { cwd: upstream },
);
writeFileSync(path.join(upstream, 'dists/bench/Release'), release);
gpg('--passphrase', '', '--quick-gen-key', 'Bench <bench@example.org>', 'ed25519', 'sign', 'never');
const releaseFile = path.join(upstream, 'dists/bench/Release');
gpg('--clearsign', '-o', path.join(upstream, 'dists/bench/InRelease'), releaseFile);
gpg('-abs', '-o', `${releaseFile}.gpg`, releaseFile);
const key = gpg('--armor', '--export').toString('utf8');
const keyring = path.join(dir, 'trusted.gpg');
execFileSync('gpg', ['--no-default-keyring', '--keyring', keyring, '--import'], {
  env,
  input: key,
  stdio: ['pipe', 'ignore', 'ignore'],
});
console.log(`repository: ${count} packages in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// The server, in a process of its own.
const server = spawn(
  process.execPath,
  [
    '-e',
    `const http=require('http'),fs=require('fs'),path=require('path');const root=process.argv[1];
     const s=http.createServer((q,r)=>{const f=path.join(root,decodeURIComponent(new URL(q.url,'http://x').pathname));
     fs.stat(f,(e,st)=>{if(e||!st.isFile()){r.statusCode=404;r.end();return}r.setHeader('content-length',st.size);fs.createReadStream(f).pipe(r)})});
     s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`,
    upstream,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<string>((resolve) =>
  server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
);
const url = `http://127.0.0.1:${port}/`;

try {
  // aptly.
  const aptlyConf = path.join(dir, 'aptly.conf');
  writeFileSync(
    aptlyConf,
    JSON.stringify({ rootDir: path.join(dir, 'aptly'), architectures: ['amd64'] }),
  );
  const aptly = (...args: string[]) =>
    run('aptly', [`-config=${aptlyConf}`, ...args], { env, maxBuffer: 1 << 30 });
  await aptly('mirror', 'create', `-keyring=${keyring}`, 'bench', url, 'bench', 'main');
  const aptlyUpdate = await seconds(() =>
    aptly('mirror', 'update', `-keyring=${keyring}`, 'bench'),
  );
  const aptlyPublish = await seconds(async () => {
    await aptly('snapshot', 'create', 'first', 'from', 'mirror', 'bench');
    await aptly('publish', 'snapshot', '-batch', '-passphrase=', 'first');
  });
  const aptlyAgain = await seconds(() => aptly('mirror', 'update', `-keyring=${keyring}`, 'bench'));

  // debyard.
  t = performance.now();
  const daemon = await startTestDaemon(path.join(dir, 'home'));
  const token = await adminToken(daemon);
  const call = async (name: string, input: Record<string, unknown>) => {
    const answer = await api(daemon.url, name, { method: 'POST', input, token });
    if (answer.status !== 200) throw new Error(`${name}: ${JSON.stringify(answer.body)}`);
    return answer.body as { counts: { packages: number; fetched: number } };
  };
  await call('mirror_add', {
    name: 'bench',
    url,
    suites: 'bench',
    architectures: 'amd64',
    key,
  });
  let first: { counts: { packages: number; fetched: number } } | undefined;
  const ours = await seconds(async () => (first = await call('mirror_update', { name: 'bench' })));
  let second: { counts: { packages: number; fetched: number } } | undefined;
  const oursAgain = await seconds(
    async () => (second = await call('mirror_update', { name: 'bench' })),
  );
  await daemon.stop();

  const row = (what: string, a: number, b: number) =>
    console.log(
      `${what.padEnd(44)} debyard ${a.toFixed(2)} s  aptly ${b.toFixed(2)} s  ratio ${(a / b).toFixed(2)}×`,
    );
  console.log(
    `debyard: ${first!.counts.packages} packages, ${first!.counts.fetched} files fetched; again: ${second!.counts.fetched} fetched`,
  );
  row('mirror update, from nothing', ours, aptlyUpdate);
  row('… vs aptly update + snapshot + publish', ours, aptlyUpdate + aptlyPublish);
  row('update again, nothing changed', oursAgain, aptlyAgain);
  console.log('ratio: debyard time / aptly time (target: at most 1.5×)');
} finally {
  server.kill();
}
