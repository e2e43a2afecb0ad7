/* global process, console, performance, AbortController */
// Install test speed: debyard's install test (src/builder/checks/install-test.ts: a fresh
// overlay snapshot of the base, install, purge, compare, reinstall) vs piuparts (its base
// tarball unpacked for each run; install and purge, no upgrade test) on the same base
// chroot and the same .deb (the mirror's hello).
//   npm run build && node bench/install-test/install-test.mjs [rounds]   # default 3; as root
// The base: DEBYARD_BENCH_BASE, else /var/cache/debyard-bench/base-<codename>-<arch>
// (made by bench/build/build.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckLog } from '../../dist/builder/checks/check-session.js';
import { checkInstallTest } from '../../dist/builder/checks/install-test.js';
import { treeSourceUris } from '../../dist/chroot/apt-sources.js';
import { keyName } from '../../dist/chroot/chroot-paths.js';
import { detectHost } from '../../dist/chroot/host-info.js';
import { allowList } from '../../dist/chroot/mirror-proxy.js';
import { LocalRunner } from '../../dist/exec/local-runner.js';

const rounds = Number(process.argv[2] ?? 3);
const host = detectHost();
const key = { codename: host.codename, architecture: host.architecture };
const base =
  process.env.DEBYARD_BENCH_BASE ?? path.join('/var/cache/debyard-bench', `base-${keyName(key)}`);
if (!existsSync(base)) {
  console.error(
    `no base chroot at ${base}: run bench/build/build.mjs once, or set DEBYARD_BENCH_BASE`,
  );
  process.exit(2);
}
const work = mkdtempSync(path.join(os.tmpdir(), 'debyard-bench-install-'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const s = (value) => `${(value / 1000).toFixed(1)} s`;

// The same .deb for both: hello from the base's mirror.
const result = path.join(work, 'result');
mkdirSync(result);
execFileSync('apt-get', ['download', 'hello'], { cwd: result, stdio: 'pipe' });
const deb = path.join(
  result,
  readdirSync(result).find((f) => f.endsWith('.deb')),
);
// piuparts' base: the same tree as a gzipped tarball (the only form it unpacks, tar -zxf).
const tarball = path.join(work, 'base.tgz');
execFileSync('tar', ['-C', base, '-czf', tarball, '.']);

const runner = new LocalRunner();
const lease = { ...key, generation: 1, tree: base, aptCache: path.join(work, 'apt-cache') };
const context = {
  lease,
  architecture: key.architecture,
  distribution: `${key.codename}-bench-unstable`,
  debs: [deb],
  resultDir: result,
  buildDir: mkdtempSync(path.join(work, 'build-')),
  sourceDir: '/build/none',
  mirrors: allowList(await treeSourceUris(base)),
  runner,
  signal: new AbortController().signal,
};
const quiet = {
  file: path.join(work, 'build.log'),
  droppedBytes: 0,
  write() {},
  close: () => ({ droppedBytes: 0 }),
};

async function ours(round) {
  const started = performance.now();
  const log = new CheckLog(quiet, path.join(work, `installtest-${round}.log`));
  const verdict = await checkInstallTest(
    { ...context, log: quiet },
    log,
    path.join(work, `snap-${round}`),
  );
  const took = performance.now() - started;
  if (verdict.result !== 'pass') throw new Error(`debyard's install test: ${verdict.reason}`);
  return took;
}

function piuparts() {
  const started = performance.now();
  const run = spawnSync(
    'piuparts',
    [
      `--basetgz=${tarball}`,
      `--distribution=${key.codename}`,
      `--mirror=${host.mirror}`,
      '--no-upgrade-test',
      deb,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const took = performance.now() - started;
  if (run.status !== 0)
    throw new Error(`piuparts failed:\n${run.stdout.slice(-3000)}${run.stderr.slice(-2000)}`);
  return took;
}

try {
  // One warm-up each (apt caches, page cache), then alternating rounds.
  await ours('warm');
  piuparts();
  const times = { ours: [], piuparts: [] };
  for (let round = 0; round < rounds; round++) {
    times.ours.push(await ours(round));
    times.piuparts.push(piuparts());
  }
  const [a, b] = [median(times.ours), median(times.piuparts)];
  console.log(
    `install test of ${path.basename(deb)}, ${rounds} rounds, medians (load ${os.loadavg()[0].toFixed(1)}):`,
  );
  console.log(
    `  debyard (overlay snapshot; install, purge, compare, reinstall): ${s(a)}  [${times.ours.map(s).join(', ')}]`,
  );
  console.log(
    `  piuparts (.tgz; install, purge, compare):                       ${s(b)}  [${times.piuparts.map(s).join(', ')}]`,
  );
  console.log(`  ratio piuparts / debyard: ${(b / a).toFixed(2)}× (target: at least 2×)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
