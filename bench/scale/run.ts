/**
 * Scale of the scheduler: N small uploads (the hello-all fixture, N versions, one dput
 * call) built and installed by a daemon with one builder (this host) and with two (this
 * host and a debyard peer behind a real sshd in a network namespace, as in
 * test/e2e/remote), one build slot each. Prints the total times, their ratio, and the
 * scheduler's own overhead per build from the builds table: from the moment a build
 * could start (queued, and a slot of its builder free: the end of the build before it
 * there) to its start.
 *
 * Run (as root): npm run build && node --import tsx bench/scale/run.ts [--uploads 20]
 * The peer runs `dist/` of this checkout; the chroots come from the test cache
 * (test/helpers/base-chroot.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import type { Daemon } from '../../src/app/daemon.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import type { SchedulerPart } from '../../src/app/parts/scheduler-part.js';
import type { BuildInfo } from '../../src/scheduler/scheduler.js';
import { adminToken, api } from '../../test/helpers/api.js';
import { testBaseTree, testKey } from '../../test/helpers/base-chroot.js';
import { startTestDaemon } from '../../test/helpers/daemon.js';
import { fixtureUpload, type FixtureUpload } from '../../test/helpers/packages/uploads.js';
import { PeerHost } from '../../test/helpers/peer-host.js';
import { importTestChroot } from '../../test/helpers/test-chroot.js';
import { persistentTempDir } from '../../test/helpers/temp-dir.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { uploads: { type: 'string', default: '20' } } });
const count = Number(values.uploads);

const part = <T>(daemon: Daemon, name: string) => daemon.parts.find((p) => p.name === name) as T;

interface Round {
  name: string;
  seconds: number;
  builds: BuildInfo[];
}

async function round(
  name: string,
  root: string,
  withPeer: ((daemon: Daemon) => Promise<void>) | null,
  listen: string,
): Promise<Round> {
  const home = path.join(root, `home-${name.replace(/\W+/g, '-')}`);
  const { codename } = await importTestChroot(home);
  const daemon = await startTestDaemon(home, {
    http: { listen: { host: listen, port: 0 }, publicUrl: null },
    remotes: { checkIntervalSeconds: 5, checkTimeoutSeconds: 5, failoverTimeoutSeconds: 30 },
  });
  try {
    if (withPeer) await withPeer(daemon);
    const uploads: FixtureUpload[] = [];
    const dir = path.join(root, `uploads-${name.replace(/\W+/g, '-')}`);
    const version = { bookworm: '12', trixie: '13' }[codename] ?? 'SID';
    for (let n = 1; n <= count; n++) {
      uploads.push(
        await fixtureUpload(dir, 'hello-all', {
          version: `1.0~test${version}+${n}`,
          distribution: `${codename}-test-unstable`,
          rename: `debyard-scale${n}`,
        }),
      );
    }
    const dputCf = path.join(dir, 'dput.cf');
    writeFileSync(
      dputCf,
      (await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text()).replaceAll(
        new URL(daemon.url).hostname,
        daemon.ftp.host,
      ),
    );
    const incoming = part<IncomingPart>(daemon, 'incoming');
    const scheduler = part<SchedulerPart>(daemon, 'scheduler').scheduler;
    const started = performance.now();
    // One dput call per upload folder, all at once (as a team uploading).
    await Promise.all(
      uploads.map((pkg) =>
        run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
          cwd: pkg.dir,
          env: { ...process.env, HOME: dir },
        }),
      ),
    );
    for (;;) {
      const states = incoming.uploads.list({ limit: 1000 }).map((u) => u.state);
      const ended = states.filter((s) => s === 'INSTALLED' || s === 'FAILED').length;
      if (ended === count) break;
      if (states.some((s) => s === 'REJECTED')) throw new Error('an upload was rejected');
      await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    const failed = incoming.uploads.list({ limit: 1000 }).filter((u) => u.state === 'FAILED');
    if (failed.length > 0) throw new Error(`failed: ${JSON.stringify(failed[0]!.reasons)}`);
    return { name, seconds, builds: scheduler.list({ limit: 1000 }) };
  } finally {
    await daemon.stop();
  }
}

/** Per build: its start minus when it could have started (queued, its builder's slot free). */
function overheads(builds: BuildInfo[]): number[] {
  const byBuilder = new Map<string, BuildInfo[]>();
  for (const b of builds) byBuilder.set(b.builder!, [...(byBuilder.get(b.builder!) ?? []), b]);
  const result: number[] = [];
  for (const list of byBuilder.values()) {
    list.sort((a, b) => a.startedAt!.localeCompare(b.startedAt!));
    list.forEach((b, i) => {
      const queued = Date.parse(b.queuedAt);
      const free = i > 0 ? Date.parse(list[i - 1]!.endedAt!) : 0;
      result.push(Date.parse(b.startedAt!) - Math.max(queued, free));
    });
  }
  return result.sort((a, b) => a - b);
}

const stat = (values: number[]) =>
  `median ${values[Math.floor(values.length / 2)]} ms, max ${values[values.length - 1]} ms`;

async function main(): Promise<void> {
  const root = persistentTempDir('debyard-bench-scale-');
  const host = await PeerHost.create();
  try {
    const peer = await host.startPeer({ DEBYARD_BUILD_PARALLELISM: '1' });
    const key = await testKey();
    await peer.seedChroot(key.codename, key.architecture, await testBaseTree());
    host.authorize(peer.apiPort);
    await host.startSshd();
    const token = await peer.staffToken();
    const addPeer = async (daemon: Daemon) => {
      const added = await api(daemon.url, 'remote_add', {
        method: 'POST',
        token: await adminToken(daemon),
        input: {
          name: 'peer',
          host: host.address,
          user: 'root',
          key: host.clientKey,
          token,
          api: `127.0.0.1:${peer.apiPort}`,
        },
      });
      if (added.status !== 200) throw new Error(JSON.stringify(added.body));
    };
    const load = () => os.loadavg()[0]!.toFixed(1);
    console.log(`${count} uploads of hello-all (arch:all, no build dependencies), load ${load()}`);
    const rounds = [
      await round('1 builder (local)', root, null, '127.0.0.1'),
      await round('2 builders (local + peer)', root, addPeer, host.hostAddress),
    ];
    console.log(`load after: ${load()}`);
    for (const r of rounds) {
      const per = new Map<string, number>();
      for (const b of r.builds) per.set(b.builder!, (per.get(b.builder!) ?? 0) + 1);
      console.log(
        `${r.name}: ${r.seconds.toFixed(1)} s (${[...per].map(([n, c]) => `${n} ${c}`).join(', ')}); ` +
          `scheduler overhead queue→start: ${stat(overheads(r.builds))}`,
      );
    }
    console.log(
      `ratio 1 builder / 2 builders: ${(rounds[0]!.seconds / rounds[1]!.seconds).toFixed(2)}×`,
    );
  } finally {
    await host.cleanup();
    execFileSync('rm', ['-rf', root]);
  }
}

await main();
