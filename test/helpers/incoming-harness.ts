import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { archiveConfigPart } from '../../src/app/parts/archive-config-part.js';
import { incomingPart, type IncomingPart } from '../../src/app/parts/incoming-part.js';
import type { AppContext } from '../../src/app/part.js';
import { packageInfo } from '../../src/app/package-info.js';
import type { ArchiveConfig } from '../../src/archive/archive-config.js';
import { homeFolders, homeLayout, type HomeLayout } from '../../src/config/home-layout.js';
import type { Settings } from '../../src/config/settings.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { EventsRepository } from '../../src/db/events-repository.js';
import type { UploadRecord } from '../../src/scheduler/upload-records.js';
import { EventLog } from '../../src/events/event-log.js';
import type { StoredEvent } from '../../src/events/event.js';
import type { ArchiveQueries } from '../../src/incoming/archive-queries.js';
import type { BuildableArchitectures } from '../../src/incoming/buildable-architectures.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { testSettings } from './daemon.js';

const run = promisify(execFile);

export interface IncomingHarness {
  home: string;
  layout: HomeLayout;
  db: Db;
  events: EventLog;
  config: ArchiveConfig;
  incoming: IncomingPart;
  ftpPort: number;
  /** Uploads files (absolute paths, in order) with curl -T over one FTP session. */
  upload(files: readonly string[]): Promise<void>;
  /** The record of a .changes once it is processed, in the state it was decided: ACCEPTED or REJECTED. */
  outcome(changesFile: string, timeoutMs?: number): Promise<UploadRecord>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  archive?: ArchiveQueries;
  builders?: BuildableArchitectures;
  incoming?: Partial<Settings['incoming']>;
  ftp?: Partial<Settings['ftp']>;
  /** The daemon's own key (it signs ports, keyring and test packages). */
  instanceKey?: () => { armored: string; fingerprint: string };
}

/**
 * The incoming as the daemon builds it (real FTP, processor, SQLite, events), with the
 * archive and builders replaceable and a bookworm/amd64 `test` repository.
 */
export async function startIncomingHarness(
  home: string,
  options: HarnessOptions = {},
): Promise<IncomingHarness> {
  const base = testSettings(home);
  const settings: Settings = {
    ...base,
    ftp: { ...base.ftp, ...options.ftp },
    incoming: { ...base.incoming, ...options.incoming },
  };
  const layout = homeLayout(home);
  for (const folder of [home, ...homeFolders(layout)]) mkdirSync(folder, { recursive: true });
  const db = openDatabase(layout.database, { logger: silentLogger });
  const events = new EventLog({
    store: new EventsRepository(db),
    clock: systemClock,
    logger: silentLogger,
  });
  const shutdown = new AbortController();
  const ctx: AppContext = {
    settings,
    layout,
    info: packageInfo(),
    logger: silentLogger,
    clock: systemClock,
    db,
    events,
    startedAt: new Date(),
    shutdown: shutdown.signal,
    localUrl: () => 'http://127.0.0.1:8066',
  };
  const archiveConfig = archiveConfigPart(ctx, () => ({
    codename: 'bookworm',
    architecture: 'amd64',
  }));
  const incoming = incomingPart(ctx, {
    archiveConfig: archiveConfig.config,
    ...(options.archive ? { archive: options.archive } : {}),
    ...(options.builders ? { builders: options.builders } : {}),
    ...(options.instanceKey ? { instanceKey: options.instanceKey } : {}),
  });
  await incoming.start!();
  const ftpPort = incoming.ftpAddress().port;
  return {
    home,
    layout,
    db,
    events,
    config: archiveConfig.config,
    incoming,
    ftpPort,
    upload: (files) => curlUpload(ftpPort, files),
    outcome: (changesFile, timeoutMs) => outcome(events, incoming, changesFile, timeoutMs),
    stop: async () => {
      shutdown.abort();
      await incoming.stop!();
      db.close();
    },
  };
}

/** `curl -T {a,b,c} ftp://…/incoming/`: one session, files in the given order. */
export async function curlUpload(port: number, files: readonly string[]): Promise<void> {
  await run('curl', [
    '--silent',
    '--show-error',
    '-T',
    files.length === 1 ? files[0]! : `{${files.join(',')}}`,
    `ftp://127.0.0.1:${port}/incoming/`,
  ]);
}

/** The record of a .changes once it is processed, in the state it was decided: ACCEPTED or REJECTED. */
export async function outcome(
  events: EventLog,
  incoming: IncomingPart,
  changesFile: string,
  timeoutMs = 20_000,
): Promise<UploadRecord> {
  const matches = (e: StoredEvent) => e.details.changes === changesFile;
  const done = () => events.list({ types: ['ACCEPTED', 'REJECTED'], limit: 1000 }).find(matches);
  const found =
    done() ??
    (await new Promise<StoredEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`${changesFile} was not processed within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = events.subscribe(
        (event) => {
          if (!matches(event)) return;
          clearTimeout(timer);
          stop();
          resolve(event);
        },
        { types: ['ACCEPTED', 'REJECTED'] },
      );
      const again = done();
      if (again) {
        clearTimeout(timer);
        stop();
        resolve(again);
      }
    }));
  // The row may have moved on already (the scheduler plans an accepted upload at once):
  // its state here is the outcome the event recorded.
  return { ...incoming.uploads.get(found.uploadId!), state: found.type as UploadRecord['state'] };
}

/** Paths of a package's files, for upload. */
export function filesOf(pkg: { dir: string; files: string[] }): string[] {
  return pkg.files.map((f) => path.join(pkg.dir, f));
}
