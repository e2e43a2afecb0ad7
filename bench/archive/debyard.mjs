/* global performance, setInterval, clearInterval */
// One debyard archive operation in its own process, for bench/archive/run.mjs:
//   node debyard.mjs bulk HOME LIST.json   create the archive, install every package, publish
//   node debyard.mjs add HOME LIST.json    open it again, install these packages, publish
//   node debyard.mjs each HOME LIST.json   open it again, install the groups one at a time,
//                                          each published before the next (as a daemon does)
//   node debyard.mjs bulk-then-each HOME LIST.json MORE.json
//                                          bulk as above, then MORE's groups one at a time in
//                                          the same process (the daemon: one upload after a bulk)
// Prints one JSON line: { ms } (the operation, without process start-up; for `each` one
// time per install).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { ArchiveConfig } from '../../dist/archive/archive-config.js';
import { createArchiveService } from '../../dist/archive/create-archive.js';
import { withReadingThreads } from '../../dist/archive/deb-files.js';
import { debianFormats, debianXz } from '../../dist/archive/debian-formats.js';
import { distributionSpec } from '../../dist/archive/model/repository.js';
import { ArchiveConfigRepository } from '../../dist/db/archive-config-repository.js';
import { openDatabase } from '../../dist/db/database.js';
import { EventsRepository } from '../../dist/db/events-repository.js';
import { EventLog } from '../../dist/events/event-log.js';
import { openInstanceKey } from '../../dist/pgp/instance-key-store.js';
import { systemClock } from '../../dist/shared/clock.js';
import { silentLogger } from '../../dist/shared/logger.js';

const [mode, home, list, more] = process.argv.slice(2);
const groups = JSON.parse(readFileSync(list, 'utf8'));
const started = performance.now();
// DEBYARD_BENCH_MEMLOG=FILE: memory every 250 ms (ms, rss, heap used, external, array
// buffers in MB), to see which phase holds it.
const memlog = process.env.DEBYARD_BENCH_MEMLOG;
const memLines = [];
const sampler =
  memlog &&
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n) => Math.round(n / 1048576);
    memLines.push(
      [
        Math.round(performance.now() - started),
        mb(m.rss),
        mb(m.heapUsed),
        mb(m.external),
        mb(m.arrayBuffers),
      ].join(' '),
    );
  }, 250);
mkdirSync(path.join(home, 'keys'), { recursive: true, mode: 0o700 });
const db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
const config = new ArchiveConfig({ store: new ArchiveConfigRepository(db), clock: systemClock });
if (mode === 'bulk' || mode === 'bulk-then-each') {
  config.installBuiltinLayouts();
  // One suite without rollbacks: one distribution, as reprepro and aptly publish here.
  config.saveLayout({
    name: 'bench',
    suites: [
      {
        name: 'unstable',
        uploadable: true,
        experimental: false,
        migratesTo: null,
        rollbacks: 0,
        notAutomatic: false,
        butAutomaticUpgrades: false,
      },
    ],
  });
  config.createRepository({
    id: 'bench',
    description: 'benchmark',
    layout: 'bench',
    allowUnsigned: true,
    distributions: [distributionSpec({ codename: 'bookworm', architectures: ['amd64', 'arm64'] })],
  });
}
const { signer } = await openInstanceKey({
  dir: path.join(home, 'keys'),
  identity: 'bench',
  algorithm: 'ed25519',
  clock: systemClock,
});
const formats =
  process.env.DEBYARD_BENCH_THREADS === '0' ? debianFormats : withReadingThreads(debianFormats);
const service = createArchiveService({
  db,
  config,
  reposRoot: path.join(home, 'repos'),
  scratch: path.join(home, 'tmp'),
  formats,
  xz: debianXz,
  signer,
  events: new EventLog({
    store: new EventsRepository(db),
    clock: systemClock,
    logger: silentLogger,
  }),
  clock: systemClock,
  logger: silentLogger,
  // The daemon's defaults (etc/debyard.toml).
  options: {
    identity: 'bench',
    byHashRetentionMs: 3_600_000,
    releaseValidDays: 0,
    uncompressedIndexBytes: 16 << 20,
  },
});
await (
  await service.start()
).published;
const install = async (packages) => {
  const opStart = performance.now();
  await service.archive.install({
    distribution: 'bookworm-bench-unstable',
    packages: packages.map((debs) => ({ debs })),
    // The files are handed over (as incoming and the builders do): hard-linked, as aptly does.
    handOver: true,
  });
  return Math.round(performance.now() - opStart);
};
const opMs = [];
if (mode === 'each') for (const group of groups) opMs.push(await install([group]));
else if (mode === 'warm-each') opMs.push(await install(groups.slice(0, 1)));
else opMs.push(await install(groups));
// Peak RSS so far (the bulk's), and the heap after it: where the memory went.
const hwmMb = Math.round(
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024,
);
const eachMs = [];
if (mode === 'bulk-then-each') {
  for (const group of JSON.parse(readFileSync(more, 'utf8'))) eachMs.push(await install([group]));
}
if (mode === 'warm-each') for (const group of groups.slice(1)) eachMs.push(await install([group]));
await formats.close?.();
if (sampler) {
  clearInterval(sampler);
  writeFileSync(memlog, `ms rss heapUsed external arrayBuffers\n${memLines.join('\n')}\n`);
}
db.close();
process.stdout.write(
  `${JSON.stringify({ ms: mode === 'each' ? opMs : opMs[0], ...(mode === 'warm-each' && { coldMs: opMs[0] }), eachMs, hwmMb, totalMs: Math.round(performance.now() - started) })}\n`,
);
