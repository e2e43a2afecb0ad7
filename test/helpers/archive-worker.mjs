// A publishing process for the crash tests: opens an archive home with the built code
// (dist/), recovers, then installs the given packages one by one, printing each done —
// or, with `bulk`, all of them in one install of handed-over files (as a bulk import).
// Usage: node archive-worker.mjs HOME KEYS-DIR PACKAGES.json [bulk]
import { readFileSync } from 'node:fs';
import process from 'node:process';
import path from 'node:path';
import { ArchiveConfig } from '../../dist/archive/archive-config.js';
import { createArchiveService } from '../../dist/archive/create-archive.js';
import { debianFormats, debianXz } from '../../dist/archive/debian-formats.js';
import { BackgroundLinks } from '../../dist/archive/pool/background-links.js';
import { ArchiveConfigRepository } from '../../dist/db/archive-config-repository.js';
import { openDatabase } from '../../dist/db/database.js';
import { EventsRepository } from '../../dist/db/events-repository.js';
import { EventLog } from '../../dist/events/event-log.js';
import { openInstanceKey } from '../../dist/pgp/instance-key-store.js';
import { systemClock } from '../../dist/shared/clock.js';
import { silentLogger } from '../../dist/shared/logger.js';

const [home, keys, list, mode] = process.argv.slice(2);
const packages = JSON.parse(readFileSync(list, 'utf8'));
const { signer } = await openInstanceKey({
  dir: keys,
  identity: 'crashyard',
  algorithm: 'ed25519',
  clock: systemClock,
});
const db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
const config = new ArchiveConfig({ store: new ArchiveConfigRepository(db), clock: systemClock });
const events = new EventLog({
  store: new EventsRepository(db),
  clock: systemClock,
  logger: silentLogger,
});
const service = createArchiveService({
  db,
  config,
  reposRoot: path.join(home, 'repos'),
  scratch: path.join(home, 'tmp'),
  formats: debianFormats,
  xz: debianXz,
  signer,
  events,
  clock: systemClock,
  logger: silentLogger,
  options: {
    identity: 'crashyard',
    byHashRetentionMs: 3_600_000,
    releaseValidDays: 0,
    uncompressedIndexBytes: 16 << 20,
  },
});
await (
  await service.start()
).published;
process.stdout.write('started\n');
if (mode === 'bulk') {
  // Says when the link thread starts and when the transaction has its links (the crash
  // test kills around then), and holds the transaction open a second after that, so a kill
  // can land for certain between the links and the commit.
  const start = BackgroundLinks.start;
  BackgroundLinks.start = (...args) => {
    const links = start.apply(BackgroundLinks, args);
    process.stdout.write(`linking ${links ? 'on a thread' : 'in-thread'}\n`);
    if (links) {
      const waitSync = links.waitSync.bind(links);
      links.waitSync = (...waitArgs) => {
        const outcome = waitSync(...waitArgs);
        process.stdout.write('linked, not committed\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
        return outcome;
      };
    }
    return links;
  };
  const started = Date.now();
  await service.archive.install({
    distribution: packages[0].distribution,
    packages: packages.map((p) => ({ debs: p.debs })),
    handOver: true,
  });
  process.stdout.write(`installed ${packages.length} in ${Date.now() - started} ms\n`);
} else {
  for (const p of packages) {
    await service.archive.install({
      distribution: p.distribution,
      packages: [{ dsc: p.dsc, debs: p.debs }],
    });
    process.stdout.write(`installed ${p.name}\n`);
  }
}
process.stdout.write('done\n');
db.close();
