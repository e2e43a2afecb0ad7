import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ArchiveConfig } from '../../src/archive/archive-config.js';
import { createArchiveService, type ArchiveService } from '../../src/archive/create-archive.js';
import { debianFormats, debianXz } from '../../src/archive/debian-formats.js';
import { distributionSpec, type RepositorySpec } from '../../src/archive/model/repository.js';
import type { ReleaseSigner } from '../../src/archive/ports.js';
import { ArchiveConfigRepository } from '../../src/db/archive-config-repository.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { EventsRepository } from '../../src/db/events-repository.js';
import { EventLog } from '../../src/events/event-log.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { buildDeb } from './packages/debs.js';
import { buildSource } from './packages/sources.js';

export interface TestArchive {
  home: string;
  reposRoot: string;
  db: Db;
  config: ArchiveConfig;
  events: EventLog;
  service: ArchiveService;
  close(): void;
}

/** A repository `test` for bookworm with the given architectures (default layout). */
export function testRepository(architectures: string[] = ['amd64', 'arm64']): RepositorySpec {
  return {
    id: 'test',
    description: 'Test repository',
    layout: 'default',
    allowUnsigned: true,
    distributions: [distributionSpec({ codename: 'bookworm', architectures })],
  };
}

/** An archive service on a fresh home, with the built-in layout and the given repositories. */
export function openTestArchive(input: {
  home: string;
  signer: ReleaseSigner;
  repositories?: RepositorySpec[];
  clock?: Clock;
  retentionMinutes?: number;
  releaseValidDays?: number;
  /** Plain Packages/Sources up to this size (default: the daemon's 16M). */
  uncompressedIndexBytes?: number;
  /** The built link thread's script (dist), to test bulk installs as the daemon runs them. */
  poolLinkScript?: URL;
  /** Installs of this many sources or more stage their index texts (0: every install). */
  stagedFromSources?: number;
  /** -Infinity: the publisher's SegmentFile is emptied after every build. */
  segmentFileSlack?: number;
  /** 0: a publish reads every fresh segment's text back from its SegmentFile. */
  heldTextBytes?: number;
  /** The built digest thread's script (dist), to hash big plain indices as the daemon does. */
  digestScript?: URL;
  /** Called for the full garbage collection after a big install. */
  collectHeap?: () => void;
  /** Installs of this many sources or more (that also stage) collect the heap (0: all). */
  collectHeapFromSources?: number;
}): TestArchive {
  const clock = input.clock ?? systemClock;
  mkdirSync(input.home, { recursive: true });
  const db = openDatabase(path.join(input.home, 'debyard.db'), { logger: silentLogger });
  const config = new ArchiveConfig({ store: new ArchiveConfigRepository(db), clock });
  config.installBuiltinLayouts();
  for (const repo of input.repositories ?? [testRepository()]) {
    if (!config.hasRepository(repo.id)) config.createRepository(repo);
  }
  const events = new EventLog({ store: new EventsRepository(db), clock, logger: silentLogger });
  const reposRoot = path.join(input.home, 'repos');
  const service = createArchiveService({
    db,
    config,
    reposRoot,
    scratch: path.join(input.home, 'tmp'),
    formats: debianFormats,
    xz: debianXz,
    signer: input.signer,
    events,
    clock,
    logger: silentLogger,
    options: {
      identity: 'testyard',
      byHashRetentionMs: (input.retentionMinutes ?? 60) * 60_000,
      releaseValidDays: input.releaseValidDays ?? 0,
      uncompressedIndexBytes: input.uncompressedIndexBytes ?? 16 << 20,
    },
    ...(input.poolLinkScript ? { poolLinkScript: input.poolLinkScript } : {}),
    ...(input.stagedFromSources !== undefined && { stagedFromSources: input.stagedFromSources }),
    ...(input.segmentFileSlack !== undefined && { segmentFileSlack: input.segmentFileSlack }),
    ...(input.digestScript && { digestScript: input.digestScript }),
    ...(input.heldTextBytes !== undefined && { heldTextBytes: input.heldTextBytes }),
    ...(input.collectHeap && { collectHeap: input.collectHeap }),
    ...(input.collectHeapFromSources !== undefined && {
      collectHeapFromSources: input.collectHeapFromSources,
    }),
  });
  return { home: input.home, reposRoot, db, config, events, service, close: () => db.close() };
}

/**
 * Installs source `name` at `version` with one amd64 .deb that holds
 * /usr/share/<name>/version (so apt tests can tell versions apart); built under `dir`.
 */
export function installVersion(
  archive: TestArchive,
  dir: string,
  distribution: string,
  name: string,
  version: string,
): ReturnType<ArchiveService['archive']['install']> {
  const out = path.join(dir, 'pkgs', `${name}-${version}`);
  return archive.service.archive.install({
    distribution,
    packages: [
      {
        dsc: buildSource(out, { name, version }),
        debs: [
          buildDeb(out, {
            name,
            version,
            architecture: 'amd64',
            files: { [`usr/share/${name}/version`]: `${version}\n` },
          }),
        ],
      },
    ],
  });
}
