import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArchiveConfig } from '../../src/archive/archive-config.js';
import type { InstallInput } from '../../src/archive/archive.js';
import { distributionSpec } from '../../src/archive/model/repository.js';
import type { BuildRequest, BuildResult, BuildStatus } from '../../src/builder/build-request.js';
import type { Builder } from '../../src/builder/builder.js';
import type { LiveLogHub } from '../../src/builder/live-log.js';
import { NO_OPTIONS } from '../../src/builder/upload-options.js';
import type { ChrootKey } from '../../src/chroot/chroot-paths.js';
import { ArchiveConfigRepository } from '../../src/db/archive-config-repository.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { EventsRepository } from '../../src/db/events-repository.js';
import { UploadsRepository } from '../../src/db/uploads-repository.js';
import type { UploadRecord } from '../../src/scheduler/upload-records.js';
import { EventLog } from '../../src/events/event-log.js';
import { BuilderSet } from '../../src/scheduler/builder-set.js';
import { createScheduler } from '../../src/scheduler/create-scheduler.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';

/**
 * A builder that runs nothing: each build ends as `outcome` says, at once or (with
 * `hold`) when released; an aborted build ends cancelled, as LocalBuilder's do.
 */
export class FakeBuilder implements Builder {
  up = true;
  hold = false;
  running = 0;
  mostRunning = 0;
  readonly requests: BuildRequest[] = [];
  /** When set, builds write their log there line by line, as LocalBuilder does. */
  logs: LiveLogHub | null = null;
  outcome: (request: BuildRequest) => BuildStatus | Error = () => 'successful';
  private waiting: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly slots: number,
    private readonly chroots: ChrootKey[],
  ) {}

  capacity = () => this.slots;
  available = () => this.up;
  readyChroots = () => this.chroots;

  /** Lets every held build end. */
  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }

  async build(request: BuildRequest, signal: AbortSignal): Promise<BuildResult> {
    this.requests.push(request);
    const outcome = this.outcome(request);
    if (outcome instanceof Error) throw outcome;
    this.running++;
    this.mostRunning = Math.max(this.mostRunning, this.running);
    const log = this.logs?.open(request.id, request.logFile);
    log?.write(`building on ${this.name}\n`);
    try {
      await new Promise<void>((resolve) => {
        if (!this.hold) setImmediate(resolve);
        else this.waiting.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      this.running--;
    }
    const status: BuildStatus = signal.aborted ? 'cancelled' : outcome;
    log?.write(`Status: ${status}`);
    log?.close();
    return this.result(request, status, log === undefined);
  }

  private result(request: BuildRequest, status: BuildStatus, writeLog: boolean): BuildResult {
    mkdirSync(request.resultDir, { recursive: true });
    const deb = path.join(request.resultDir, `pkg_1_${request.architecture}.deb`);
    writeFileSync(deb, 'not really a package');
    if (writeLog) writeFileSync(request.logFile, `a build on ${this.name}\n`);
    const ok = status === 'successful';
    return {
      id: request.id,
      status,
      failStage: ok ? null : status === 'attempted' ? 'build' : 'install-deps',
      reason: ok ? null : status === 'cancelled' ? 'cancelled: stop' : 'it broke',
      package: 'pkg',
      version: '1',
      architecture: request.architecture,
      changes: null,
      files: ok ? [deb] : [],
      logFile: request.logFile,
      lintian: 'disabled',
      startedAt: new Date().toISOString(),
      buildTimeMs: 10,
      installTimeMs: 5,
      totalTimeMs: 20,
      setupTimeMs: 1,
    };
  }
}

/** The archive's install, recorded; idempotent as the real one; it may refuse. */
export class FakeArchive {
  readonly installs: InstallInput[] = [];
  readonly installed = new Set<number>();
  refuse: Error | null = null;

  install = async (input: InstallInput): Promise<{ changed: boolean }[]> => {
    if (this.refuse) throw this.refuse;
    this.installs.push(input);
    const changed = !this.installed.has(input.uploadId!);
    this.installed.add(input.uploadId!);
    return [{ changed }];
  };
}

export interface SchedulerHarness {
  home: string;
  db: Db;
  events: EventLog;
  uploads: UploadsRepository;
  archive: FakeArchive;
  builders: FakeBuilder[];
  scheduler: Scheduler;
  shutdown: AbortController;
  /** An accepted upload (row, folder with its .dsc, ACCEPTED event). */
  accept(input: {
    architectures: string[];
    archAll?: boolean;
    source?: string;
    /** Another version than the next `1.<n>`. */
    version?: string;
    /** A binary upload: these .deb files in its folder (installed, not built). */
    debs?: string[];
    /** Without a .dsc (a binary-only upload). */
    noSource?: boolean;
  }): UploadRecord;
  /**
   * A new scheduler on the same home and builders, as after a kill -9: the old one stops
   * listening and dispatching, its running builds record nothing (held ones stay held;
   * whatever they record later changes nothing, as the new one owns their builds).
   */
  restart(options?: { maxAttempts?: number }): SchedulerHarness;
  stop(): Promise<void>;
}

/** The scheduler over SQLite with fake builders and a fake archive (repository test). */
export function schedulerHarness(
  home: string,
  input: {
    builders: FakeBuilder[];
    architectures?: string[];
    mandatory?: string[];
    maxAttempts?: number;
    db?: Db;
    archive?: FakeArchive;
  },
): SchedulerHarness {
  const clock = new ManualClock();
  mkdirSync(home, { recursive: true });
  const db = input.db ?? openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
  const config = new ArchiveConfig({ store: new ArchiveConfigRepository(db), clock });
  config.installBuiltinLayouts();
  const architectures = input.architectures ?? ['amd64'];
  if (!config.hasRepository('test')) {
    config.createRepository({
      id: 'test',
      description: '',
      layout: 'default',
      allowUnsigned: true,
      distributions: [
        distributionSpec({
          codename: 'bookworm',
          architectures,
          mandatoryArchitectures: input.mandatory ?? architectures,
        }),
      ],
    });
  }
  const events = new EventLog({ store: new EventsRepository(db), clock, logger: silentLogger });
  const uploads = new UploadsRepository(db);
  const archive = input.archive ?? new FakeArchive();
  const builders = new BuilderSet();
  builders.add(() => input.builders);
  const { scheduler } = createScheduler({
    db,
    events,
    clock,
    logger: silentLogger,
    home,
    buildsDir: path.join(home, 'builds'),
    archive: {
      resolve: (name) => config.resolve(name),
      poolFile: (repo, poolPath) => path.join(home, 'repos', repo, poolPath),
      published: () => true,
      baseUrl: () => 'http://127.0.0.1:8066',
      publicKey: () =>
        '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n',
      origin: 'testyard',
      install: (i) => archive.install(i),
    },
    builders,
    settings: { timeLimitMs: 60_000, maxAttempts: input.maxAttempts ?? 3, lintianMode: 'errfail' },
  });
  const shutdown = new AbortController();
  scheduler.start({ shutdown: shutdown.signal, events, maxAttempts: input.maxAttempts ?? 3 });
  let counter = uploads.list({ limit: 10_000 }).length;
  return {
    home,
    db,
    events,
    uploads,
    archive,
    builders: input.builders,
    scheduler,
    shutdown,
    accept: ({
      architectures: archs,
      archAll = false,
      source = 'pkg',
      version,
      debs = [],
      noSource,
    }) => {
      counter++;
      const spoolPath = `spool/${source}-${counter}`;
      mkdirSync(path.join(home, spoolPath), { recursive: true });
      const dscFile = noSource ? null : `${source}_1.${counter}.dsc`;
      if (dscFile) writeFileSync(path.join(home, spoolPath, dscFile), 'Format: 3.0 (native)\n');
      for (const deb of debs) writeFileSync(path.join(home, spoolPath, deb), '!<arch>\n');
      const now = clock.now().toISOString();
      const record = uploads.insert({
        state: 'ACCEPTED',
        changesFile: `${source}_1.${counter}_source.changes`,
        source,
        version: version ?? `1.${counter}`,
        distribution: 'bookworm-test-unstable',
        repository: 'test',
        codename: 'bookworm',
        suite: 'unstable',
        dscFile,
        architectures: archs,
        archAll,
        options: { ...NO_OPTIONS } as unknown as Record<string, unknown>,
        signer: null,
        requestedBy: null,
        changedBy: null,
        files: [
          ...(dscFile ? [{ name: dscFile, size: 21, sha256: 'x' }] : []),
          ...debs.map((name) => ({ name, size: 8, sha256: 'y' })),
        ],
        spoolPath,
        reasons: [],
        receivedAt: now,
        processedAt: now,
      });
      events.emit({ type: 'ACCEPTED', message: 'accepted', uploadId: record.id });
      return record;
    },
    restart: (options = {}) => {
      void scheduler.stop();
      return schedulerHarness(home, {
        ...input,
        db,
        archive,
        maxAttempts: options.maxAttempts ?? input.maxAttempts,
      });
    },
    stop: async () => {
      shutdown.abort(new Error('daemon stopping'));
      await scheduler.stop();
    },
  };
}
