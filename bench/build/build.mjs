/* global process, console, performance, AbortController */
// Build speed: debyard's local builder vs `sbuild --chroot-mode=unshare` on the same base
// chroot (one mmdebstrap --variant=buildd tree; sbuild gets it as an uncompressed tarball,
// its fastest form) and the same source packages.
//   npm run build && node bench/build/build.mjs [runs]      # default 5; as root
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveLogHub } from '../../dist/builder/live-log.js';
import { LocalBuilder } from '../../dist/builder/local-builder.js';
import { BaseOperations } from '../../dist/chroot/base-operations.js';
import { ChrootCatalog } from '../../dist/chroot/chroot-catalog.js';
import { ChrootPaths, keyName } from '../../dist/chroot/chroot-paths.js';
import { loadDefinitions } from '../../dist/chroot/definition.js';
import { detectHost } from '../../dist/chroot/host-info.js';
import { isShifted, SANDBOX_IDS, shiftTree } from '../../dist/chroot/id-map.js';
import { Sandbox } from '../../dist/chroot/sandbox.js';
import { LocalRunner } from '../../dist/exec/local-runner.js';
import { PtyRunner } from '../../dist/exec/pty-runner.js';
import { systemClock } from '../../dist/shared/clock.js';

const runs = Number(process.argv[2] ?? 5);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = process.env.DEBYARD_BENCH_CACHE ?? '/var/cache/debyard-bench';
const work = mkdtempSync(path.join(os.tmpdir(), 'debyard-bench-build-'));
const runner = new LocalRunner();
const host = detectHost();
const key = { codename: host.codename, architecture: host.architecture };

const SANDBOX_ROOT = SANDBOX_IDS.base;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${Math.round(value)} ms`;
const s = (value) => `${(value / 1000).toFixed(1)} s`;

/** The base tree (made once with debyard's own mmdebstrap code) and sbuild's tarball of it. */
async function prepareBase() {
  const base = path.join(cache, `base-${keyName(key)}`);
  if (!existsSync(base)) {
    console.log(`creating the base chroot ${base} with mmdebstrap (once)...`);
    const chroots = path.join(root, 'chroots');
    const catalog = new ChrootCatalog(loadDefinitions(chroots), host, chroots);
    const paths = new ChrootPaths(path.join(cache, 'work'), path.join(cache, 'logs'));
    const made = await new BaseOperations(runner, paths).create(
      key,
      1,
      catalog.resolve(key),
      { phase: (p) => console.log(`  ${p}`), line: () => {} },
      new AbortController().signal,
    );
    execFileSync('mv', [made, base]);
    rmSync(paths.chrootsDir, { recursive: true, force: true });
  } else if (!(await isShifted(base))) {
    console.log(`giving ${base} to the sandbox's ids (a base from before issue 23)...`);
    await shiftTree(base);
  }
  const tarball = path.join(cache, `${keyName(key)}.tar`);
  if (!existsSync(tarball) || statSync(tarball).mtimeMs < statSync(base).mtimeMs) {
    // The base belongs to the sandbox's ids (root inside = 1879048192 on the host);
    // sbuild wants a tarball owned as inside the chroot, so tar maps each id back.
    const ids = execFileSync('find', [base, '-xdev', '-printf', '%U\\n%G\\n'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const map = path.join(work, 'id-map');
    const shifted = [...new Set(ids.split('\n').filter(Boolean).map(Number))].filter(
      (id) => id >= SANDBOX_ROOT,
    );
    writeFileSync(map, shifted.map((id) => `+${id} +${id - SANDBOX_ROOT}`).join('\n') + '\n');
    execFileSync('tar', [
      '-C',
      base,
      `--owner-map=${map}`,
      `--group-map=${map}`,
      '--numeric-owner',
      '-cf',
      tarball,
      '.',
    ]);
  }
  return { base, tarball };
}

/** sbuild's unshare mode maps ids from /etc/subuid and /etc/subgid. */
function ensureSubordinateIds() {
  const user = os.userInfo().username;
  const has = (file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .some((line) => line.startsWith(`${user}:`));
  if (has('/etc/subuid') && has('/etc/subgid')) return;
  console.log(
    `adding subordinate ids 100000-165535 for ${user} (sbuild's unshare mode needs them)`,
  );
  execFileSync('usermod', [
    '--add-subuids',
    '100000-165535',
    '--add-subgids',
    '100000-165535',
    user,
  ]);
}

function sourcePackage(name) {
  const dir = mkdtempSync(path.join(work, `src-${name}-`));
  cpSync(path.join(root, 'test', 'fixtures', 'packages', name), path.join(dir, name), {
    recursive: true,
  });
  execFileSync('dpkg-source', ['-b', name], { cwd: dir, stdio: 'pipe' });
  return path.join(
    dir,
    readdirSync(dir).find((file) => file.endsWith('.dsc')),
  );
}

/** Snapshot setup: mounting an overlay sandbox vs unpacking sbuild's tarball. */
async function setupTimes(base, tarball) {
  const ours = [];
  for (let i = 0; i < 20; i++) {
    const workDir = path.join(work, `snapshot-${i}`);
    const started = performance.now();
    const sandbox = await Sandbox.open({ tree: base, mode: 'overlay', workDir }, runner);
    ours.push(performance.now() - started);
    await sandbox.close();
  }
  const unpack = [];
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(path.join(work, 'unpack-'));
    const started = performance.now();
    execFileSync('tar', ['-C', dir, '-xf', tarball]);
    unpack.push(performance.now() - started);
    rmSync(dir, { recursive: true, force: true });
  }
  return { ours: median(ours), unpack: median(unpack) };
}

async function debyardBuilds(base, dsc, archAll) {
  const builder = new LocalBuilder({
    bases: {
      acquire: () => ({
        ...key,
        generation: 1,
        tree: base,
        aptCache: path.join(cache, `apt-cache-${keyName(key)}`),
        release: () => {},
      }),
    },
    runner,
    pty: new PtyRunner(),
    logs: new LiveLogHub(),
    clock: systemClock,
    snapshotsDir: path.join(work, 'snapshots'),
  });
  const results = [];
  for (let i = 0; i <= runs; i++) {
    const out = mkdtempSync(path.join(work, 'out-'));
    const request = {
      id: i,
      dsc,
      ...key,
      archAll,
      distribution: `${key.codename}-bench-unstable`,
      lintian: 'disabled',
      timeLimitMs: 3_600_000,
      resultDir: path.join(out, 'results'),
      logFile: path.join(out, 'build.log'),
    };
    const started = performance.now();
    const result = await builder.build(request);
    const wall = performance.now() - started;
    if (result.status !== 'successful')
      throw new Error(`debyard build failed: ${result.reason} (see ${result.logFile})`);
    if (i > 0)
      results.push({
        wall,
        build: result.buildTimeMs,
        setup: result.setupTimeMs,
        install: result.installTimeMs,
      }); // run 0 warms the apt cache
  }
  const wall = median(results.map((r) => r.wall));
  const build = median(results.map((r) => r.build));
  return {
    wall,
    build,
    overhead: median(results.map((r) => r.wall - r.build)),
    setup: median(results.map((r) => r.setup)),
    install: median(results.map((r) => r.install)),
  };
}

function sbuildBuilds(tarball, dsc, archAll) {
  const times = [];
  for (let i = 0; i < Math.min(runs, 3); i++) {
    const out = mkdtempSync(path.join(work, 'sbuild-'));
    const args = [
      '--chroot-mode=unshare',
      `--chroot=${tarball}`,
      `--dist=${key.codename}`,
      `--arch=${key.architecture}`,
      archAll ? '--arch-all' : '--no-arch-all',
      '--no-run-lintian',
      '--no-run-piuparts',
      '--no-run-autopkgtest',
      '--no-apt-update',
      '--no-apt-upgrade',
      '--no-apt-distupgrade',
      '--nolog',
      dsc,
    ];
    const started = performance.now();
    const result = spawnSync('sbuild', args, {
      cwd: out,
      stdio: 'pipe',
      env: { ...process.env, HOME: process.env.HOME ?? '/root' },
    });
    const wall = performance.now() - started;
    if (result.status !== 0)
      throw new Error(`sbuild failed:\n${result.stdout.toString().slice(-3000)}`);
    times.push(wall);
  }
  return median(times);
}

try {
  if (process.getuid?.() !== 0)
    throw new Error('run as root (debyard builds need mount namespaces)');
  mkdirSync(cache, { recursive: true });
  ensureSubordinateIds();
  const { base, tarball } = await prepareBase();
  const setup = await setupTimes(base, tarball);
  console.log(
    `\nsnapshot setup (median): debyard overlay sandbox ${ms(setup.ours)}, sbuild tarball unpack (tar -x, ${Math.round(statSync(tarball).size / 1048576)} MiB) ${ms(setup.unpack)}: ${(setup.unpack / setup.ours).toFixed(1)}x`,
  );
  for (const [name, archAll] of [
    ['hello-all', true],
    ['hello-any', false],
  ]) {
    const dsc = sourcePackage(name);
    const ours = await debyardBuilds(base, dsc, archAll);
    const sbuild = sbuildBuilds(tarball, dsc, archAll);
    console.log(
      `\n${path.basename(dsc)} (median of ${runs} debyard builds after a warm-up, ${Math.min(runs, 3)} sbuild builds)`,
    );
    console.log(
      `  debyard total ${s(ours.wall)} = dpkg-buildpackage ${s(ours.build)} + overhead ${s(ours.overhead)} (snapshot ${ms(ours.setup)}, build-deps ${s(ours.install)})`,
    );
    console.log(`  sbuild --chroot-mode=unshare total ${s(sbuild)}`);
    console.log(
      `  sbuild total / debyard total: ${(sbuild / ours.wall).toFixed(1)}x; sbuild total / debyard overhead: ${(sbuild / ours.overhead).toFixed(1)}x`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
