import { existsSync, promises as fs } from 'node:fs';
import { formatDuration } from '../config/units.js';
import type { UploadRecord } from '../scheduler/upload-records.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError, describeError, NotFoundError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ArrivedFile, IncomingArea } from './incoming-area.js';
import { PendingUploads } from './pending-uploads.js';
import type { UploadChecker } from './upload-checker.js';
import type { UploadFolders } from './upload-folders.js';
import { UploadDecider } from './upload-decider.js';
import type { UploadOutcomes } from './upload-outcomes.js';
import { SerialQueue } from './serial-queue.js';
import { StraySweeper } from './stray-sweeper.js';

/** A .changes larger than this is not read (real ones are a few KiB). */
export const MAX_CHANGES_BYTES = 4 * 1024 * 1024;

export interface UploadProcessorDeps {
  area: IncomingArea;
  folders: UploadFolders;
  checker: UploadChecker;
  outcomes: UploadOutcomes;
  knownFolders: (paths: readonly string[]) => Set<string>;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  settings: { strayTimeoutSeconds: number; rejectedRetentionSeconds: number };
}

/**
 * Watches the incoming: a `.changes` is processed once every file it lists has arrived
 * (in any order), one upload at a time; what belongs to no complete upload is removed
 * after the stray timeout. At start, folders a crash left without a record go back into
 * the incoming, and everything there is looked at again.
 */
export class UploadProcessor {
  private readonly pending = new PendingUploads();
  private readonly queue: SerialQueue;
  private readonly decider: UploadDecider;
  private readonly sweeper: StraySweeper;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private sweepQueued = false;

  constructor(private readonly deps: UploadProcessorDeps) {
    this.queue = new SerialQueue(deps.logger);
    this.decider = new UploadDecider({ ...deps, pending: this.pending });
    this.sweeper = new StraySweeper({ ...deps, pending: this.pending });
  }

  /** Recovers, scans the incoming, and then follows arrivals. */
  async start(shutdown: AbortSignal): Promise<void> {
    shutdown.addEventListener('abort', () => this.abort.abort(shutdown.reason), { once: true });
    this.unsubscribe = this.deps.area.onArrival((file) => this.arrived(file));
    await this.queue.run(() => this.recover());
    const every = Math.min(60, Math.max(1, Math.floor(this.deps.settings.strayTimeoutSeconds / 4)));
    this.timer = setInterval(() => {
      // One sweep waits in the queue at most, however long an upload takes to check.
      if (this.sweepQueued) return;
      this.sweepQueued = true;
      this.queue.push(() => this.sweep());
    }, every * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    this.abort.abort(new Error('incoming stopping'));
    await this.queue.idle();
  }

  /**
   * Checks a rejected upload again (a retry, after its cause was fixed): its files go
   * back from its rejected/ folder into the incoming, as if uploaded now.
   */
  async retryRejected(upload: UploadRecord, by: string): Promise<void> {
    const { folders, area, outcomes, clock } = this.deps;
    await this.queue.run(async () => {
      if (!existsSync(folders.absolute(upload.spoolPath))) {
        throw new NotFoundError(
          `the files of upload ${upload.id} (${upload.changesFile}) are gone: rejected uploads are kept for ${formatDuration(this.deps.settings.rejectedRetentionSeconds)} (incoming.rejected_retention); upload it again`,
        );
      }
      if (upload.state !== 'REJECTED') {
        throw new ConflictError(`upload ${upload.id} is ${upload.state}, not REJECTED`);
      }
      const now = clock.now();
      // Files first: a crash before the record changes leaves them in the incoming, where
      // the next start checks them (a crash the other way round would lose the retry).
      const restored = await folders.restore(upload.spoolPath);
      outcomes.retried(upload, by, now);
      for (const name of restored) await fs.utimes(area.pathOf(name), now, now);
      const files = (await area.list()).filter((f) => restored.includes(f.name));
      this.deps.logger.info('a rejected upload is checked again', {
        upload: upload.id,
        files: restored,
      });
      for (const file of files) this.arrived(file);
    });
  }

  /** Resolves when everything that arrived so far has been looked at (for tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async sweep(): Promise<void> {
    this.sweepQueued = false;
    await this.sweeper.sweep();
    for (const changes of this.pending.completeChanges()) await this.process(changes);
  }

  private arrived(file: ArrivedFile): void {
    if (this.abort.signal.aborted) return;
    if (file.name.endsWith('.changes')) {
      this.queue.push(() => this.register(file));
      return;
    }
    for (const changes of this.pending.addFile(file)) this.queue.push(() => this.process(changes));
  }

  private async recover(): Promise<void> {
    const { folders, knownFolders, logger } = this.deps;
    for (const kind of ['spool', 'rejected'] as const) {
      const all = await folders.list(kind);
      const known = knownFolders(all.map((f) => f.relativePath));
      for (const folder of all.filter((f) => !known.has(f.relativePath))) {
        const restored = await folders.restore(folder.relativePath);
        logger.warn(
          'an upload folder had no record (the daemon stopped while writing it); its files go back into the incoming',
          {
            folder: folder.relativePath,
            files: restored,
          },
        );
      }
    }
    const files = await this.deps.area.list();
    for (const file of files.filter((f) => !f.name.endsWith('.changes')))
      this.pending.addFile(file);
    for (const file of files.filter((f) => f.name.endsWith('.changes'))) await this.register(file);
    if (files.length > 0)
      logger.info('looked at the files left in the incoming', { count: files.length });
  }

  private async register(file: ArrivedFile): Promise<void> {
    // Seen already (start-up scan and arrival both report it), or processed and gone.
    if (this.pending.getChanges(file.name)) return;
    const read = await this.readChanges(file);
    if (!read) {
      this.pending.removeFiles([file.name]);
      return;
    }
    this.pending.addFile(file);
    const { listed, problems } = read;
    const complete = this.pending.addChanges({
      name: file.name,
      arrivedAt: file.arrivedAt,
      listed,
      unreadable: problems,
    });
    if (complete) await this.process(file.name);
  }

  private async readChanges(file: ArrivedFile) {
    if (file.size > MAX_CHANGES_BYTES) {
      return {
        listed: [],
        problems: [
          { where: file.name, message: `is ${file.size} bytes, too large for a .changes file` },
        ],
      };
    }
    try {
      const bytes = await fs.readFile(this.deps.area.pathOf(file.name));
      return this.deps.checker.listedFiles(file.name, bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return {
        listed: [],
        problems: [{ where: file.name, message: `cannot be read: ${describeError(error)}` }],
      };
    }
  }

  private async process(changesName: string): Promise<void> {
    if (this.abort.signal.aborted || !this.pending.isComplete(changesName)) return;
    this.pending.setBusy(changesName, true);
    try {
      await this.decider.decide(changesName, this.abort.signal);
    } catch (error) {
      if (this.abort.signal.aborted) return;
      throw error;
    } finally {
      this.pending.setBusy(changesName, false);
    }
  }
}
