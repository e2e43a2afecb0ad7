import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { homeLayout } from '../../src/config/home-layout.js';
import { LiveLogHub, type LiveLog } from '../../src/builder/live-log.js';
import { BuildsRepository } from '../../src/db/builds-repository.js';
import { openDatabase } from '../../src/db/database.js';
import { UploadsRepository } from '../../src/db/uploads-repository.js';
import { silentLogger } from '../../src/shared/logger.js';

export interface SeededBuild {
  buildId: number;
  uploadId: number;
  logFile: string;
  /** What the log's writer reported dropped (0 for a log within its cap). */
  droppedBytes: number;
}

/**
 * Adds to a daemon's home (its database, running or not) an upload whose one build
 * failed, with the log that build wrote: `write` writes it through the real LiveLogHub,
 * capped at `maxBytes` as the daemon's builder caps it. No chroot, no build.
 */
export function seedFailedBuild(
  home: string,
  write: (log: LiveLog) => void,
  options: { maxBytes?: number; source?: string; repository?: string } = {},
): SeededBuild {
  const layout = homeLayout(home);
  const db = openDatabase(layout.database, { logger: silentLogger });
  try {
    const source = options.source ?? 'flood';
    const repository = options.repository ?? 'test';
    const now = new Date();
    const upload = new UploadsRepository(db).insert({
      state: 'FAILED',
      changesFile: `${source}_1.0_source.changes`,
      source,
      version: '1.0',
      distribution: `bookworm-${repository}-unstable`,
      repository,
      codename: 'bookworm',
      suite: 'unstable',
      dscFile: `${source}_1.0.dsc`,
      architectures: ['amd64'],
      archAll: false,
      options: {},
      signer: null,
      requestedBy: null,
      changedBy: null,
      files: [],
      spoolPath: `spool/${source}`,
      reasons: ['amd64: the build failed'],
      receivedAt: now.toISOString(),
      processedAt: now.toISOString(),
    });
    const builds = new BuildsRepository(db);
    const build = builds.insert({
      uploadId: upload.id,
      round: 1,
      architecture: 'amd64',
      archAll: false,
      mandatory: true,
      lintianMode: 'disabled',
      priority: 0,
      queuedAt: now,
    });
    const dir = path.join(layout.builds, String(build.id));
    mkdirSync(dir, { recursive: true });
    const logFile = path.join(dir, 'build.log');
    builds.markStarted(build.id, {
      builder: 'local',
      startedAt: now,
      logFile,
      resultDir: path.join(dir, 'results'),
    });
    const hub = new LiveLogHub({ maxBytes: options.maxBytes ?? 50 * 1024 * 1024 });
    const log = hub.open(build.id, logFile);
    write(log);
    // (A LiveLog of old returned nothing from close.)
    const closed = log.close() as { droppedBytes: number } | undefined;
    const droppedBytes = closed?.droppedBytes ?? 0;
    builds.markEnded(
      build.id,
      {
        state: 'FAILED',
        status: 'attempted',
        failStage: 'build',
        reason: 'dpkg-buildpackage failed',
        lintian: null,
        files: [],
        times: { totalMs: 1000 },
        logDroppedBytes: droppedBytes,
        endedAt: new Date(),
      },
      ['BUILDING'],
    );
    return { buildId: build.id, uploadId: upload.id, logFile, droppedBytes };
  } finally {
    db.close();
  }
}
