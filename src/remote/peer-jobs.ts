import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BuildRequest, BuildResult } from '../builder/build-request.js';
import type { LiveLogHub, LogPiece } from '../builder/live-log.js';
import { keyLabel, type ChrootKey } from '../chroot/chroot-paths.js';
import type { Clock } from '../shared/clock.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  TooLargeError,
  UnavailableError,
} from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { PeerBuildResult, PeerJobRequest, PeerJobState, PeerJobView } from './peer-api.js';
import { followJobLog } from './peer-job-log.js';
import { failedBeforeStart, peerResultOf } from './peer-results.js';
import { PEER_FILE_NAME, receiveFile } from './received-file.js';

/** The build slots of this host, shared by its own builds and the peer jobs it serves. */
export interface BuildSlots {
  /** Takes one slot; null when all are in use. */
  take(): (() => void) | null;
  /** The slots in words, for the "busy" answer: `2 of 2 builds running`. */
  describe(): string;
}

export interface PeerJobsDeps {
  builder: { build(request: BuildRequest, signal: AbortSignal): Promise<BuildResult> };
  /** The live logs the builder writes to (its own hub: job log ids are internal). */
  logs: LiveLogHub;
  /** Where jobs keep their files: `<dir>/<job>/`. */
  dir: string;
  slots: BuildSlots;
  readyChroots(): ChrootKey[];
  clock: Clock;
  logger: Logger;
  /** A job not started this long after it was created is removed (its slot freed). */
  startTimeoutMs?: number;
  /** A finished job nobody removed is removed after this long. */
  keepDoneMs?: number;
}

interface Job {
  id: string;
  logId: number;
  dir: string;
  request: PeerJobRequest;
  state: PeerJobState;
  received: Set<string>;
  createdAt: Date;
  controller: AbortController;
  release: (() => void) | null;
  finished: Promise<void> | null;
  result: PeerBuildResult | null;
  timer: NodeJS.Timeout | null;
}

/**
 * The builds this daemon runs for other daemons (peer jobs): received files checked
 * against their declared checksums, a build slot taken from the host's own, the log
 * followed live, the results handed out, and everything removed at the end.
 */
export class PeerJobs {
  private readonly jobs = new Map<string, Job>();
  private nextLogId = 1;

  constructor(private readonly deps: PeerJobsDeps) {}

  /** Removes what a previous run left behind. */
  async recover(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
    for (const entry of await readdir(this.deps.dir)) {
      await rm(path.join(this.deps.dir, entry), { recursive: true, force: true });
    }
  }

  count(): number {
    return this.jobs.size;
  }

  list(): PeerJobView[] {
    return [...this.jobs.values()].map((job) => this.view(job));
  }

  async create(request: PeerJobRequest): Promise<PeerJobView> {
    checkFiles(request);
    const key = { codename: request.codename, architecture: request.architecture };
    const ready = this.deps.readyChroots();
    if (!ready.some((k) => k.codename === key.codename && k.architecture === key.architecture)) {
      throw new NotFoundError(
        `this peer has no ready chroot ${keyLabel(key)} (ready: ${ready.map(keyLabel).join(', ') || 'none'})`,
      );
    }
    const release = this.deps.slots.take();
    if (!release) throw new UnavailableError(`this peer is busy: ${this.deps.slots.describe()}`);
    const id = randomBytes(8).toString('hex');
    const dir = path.join(this.deps.dir, id);
    try {
      await mkdir(path.join(dir, 'src'), { recursive: true });
    } catch (error) {
      release();
      throw error;
    }
    const job: Job = {
      id,
      logId: this.nextLogId++,
      dir,
      request,
      state: 'receiving',
      received: new Set(),
      createdAt: this.deps.clock.now(),
      controller: new AbortController(),
      release,
      finished: null,
      result: null,
      timer: null,
    };
    this.jobs.set(id, job);
    this.expire(job, this.deps.startTimeoutMs ?? 10 * 60_000);
    this.deps.logger.info('peer job created', { job: id, dsc: request.dsc, ...key });
    return this.view(job);
  }

  get(id: string): PeerJobView {
    return this.view(this.job(id));
  }

  /** Receives a declared file; `length` is the size the sender announced, if it did. */
  async receive(
    id: string,
    name: string,
    body: Readable,
    signal?: AbortSignal,
    length?: number,
  ): Promise<void> {
    const job = this.job(id);
    if (job.state !== 'receiving') {
      throw new ConflictError(`peer job ${id} is ${job.state}; it takes no more files`);
    }
    const file = job.request.files.find((f) => f.name === name);
    if (!file) {
      throw new InvalidInputError(
        `${name} is not one of the files of peer job ${id} (${job.request.files.map((f) => f.name).join(', ')})`,
      );
    }
    if (length !== undefined && length > file.size) {
      throw new TooLargeError(`${name}: ${length} bytes sent, ${file.size} declared`);
    }
    await receiveFile(path.join(job.dir, 'src'), file, body, signal);
    job.received.add(name);
  }

  start(id: string): PeerJobView {
    const job = this.job(id);
    if (job.state !== 'receiving')
      throw new ConflictError(`peer job ${id} is already ${job.state}`);
    const missing = this.missing(job);
    if (missing.length > 0) {
      throw new InvalidInputError(`peer job ${id} cannot start: files missing`, {
        problems: missing.map((name) => ({ where: name, message: 'not received yet' })),
      });
    }
    job.state = 'building';
    this.clearTimer(job);
    job.finished = this.run(job);
    return this.view(job);
  }

  /**
   * Follows a started job's log from byte `from` on, until the build has ended; resolves
   * with its result (rejects when `signal` aborts first).
   */
  follow(
    id: string,
    from: number,
    onText: (text: string, endByte: number) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<PeerBuildResult> {
    const job = this.job(id);
    if (job.state === 'receiving') throw new ConflictError(`peer job ${id} has not started yet`);
    return followJobLog(
      {
        logs: this.deps.logs,
        logId: job.logId,
        logFile: this.logFile(job),
        finished: () => job.state === 'done',
        result: async () => {
          await job.finished;
          return job.result!;
        },
      },
      from,
      onText,
      signal,
    );
  }

  /**
   * A started job's log so far, piece by piece, and its result once it has ended (null
   * while it runs).
   */
  log(
    id: string,
    signal?: AbortSignal,
  ): { pieces: AsyncIterable<LogPiece>; result: PeerBuildResult | null } {
    const job = this.job(id);
    if (job.state === 'receiving') throw new ConflictError(`peer job ${id} has not started yet`);
    return { pieces: this.logPieces(job, signal), result: job.result };
  }

  private async *logPieces(job: Job, signal?: AbortSignal): AsyncGenerator<LogPiece> {
    try {
      yield* this.deps.logs.read(job.logId, this.logFile(job), { signal });
    } catch (error) {
      // A job that failed before its build began has no log: it is empty.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  /** The path of one of a finished job's result files. */
  resultFile(id: string, name: string): string {
    const job = this.job(id);
    if (job.state !== 'done' || !job.result) {
      throw new ConflictError(`peer job ${id} is ${job.state}; its results are not there yet`);
    }
    if (!job.result.files.includes(name)) {
      throw new NotFoundError(`${name} is not a result file of peer job ${id}`);
    }
    return path.join(job.dir, 'results', name);
  }

  /**
   * Cancels a job that still runs and removes its files. It stays listed until its build
   * has stopped and given its slot back: a peer that lists no jobs takes a new one.
   */
  async remove(id: string): Promise<void> {
    const job = this.job(id);
    await this.dispose(job, 'removed by the requesting daemon');
    if (this.jobs.get(id) === job) this.jobs.delete(id);
  }

  /** Cancels every job and removes them all. */
  async stop(): Promise<void> {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    await Promise.all(jobs.map((job) => this.dispose(job, 'peer daemon stopping')));
  }

  private job(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) {
      throw new NotFoundError(
        `there is no peer job ${id} (it ended and was removed, or this peer restarted)`,
      );
    }
    return job;
  }

  private async run(job: Job): Promise<void> {
    const { dsc, files: _files, ...fields } = job.request;
    const request: BuildRequest = {
      ...fields,
      id: job.logId,
      dsc: path.join(job.dir, 'src', dsc),
      resultDir: path.join(job.dir, 'results'),
      logFile: this.logFile(job),
    };
    let result: PeerBuildResult;
    try {
      result = peerResultOf(await this.deps.builder.build(request, job.controller.signal));
    } catch (error) {
      result = failedBeforeStart(job.request, error, this.deps.clock.now());
      if (!existsSync(request.logFile)) await writeFile(request.logFile, `E: ${result.reason}\n`);
    } finally {
      job.release?.();
      job.release = null;
    }
    job.result = result;
    job.state = 'done';
    this.deps.logger.info('peer job ended', { job: job.id, status: result.status });
    if (this.jobs.get(job.id) === job) this.expire(job, this.deps.keepDoneMs ?? 60 * 60_000);
  }

  private async dispose(job: Job, why: string): Promise<void> {
    this.clearTimer(job);
    job.controller.abort(new Error(why));
    await job.finished;
    job.release?.();
    job.release = null;
    await rm(job.dir, { recursive: true, force: true });
  }

  private expire(job: Job, ms: number): void {
    this.clearTimer(job);
    job.timer = setTimeout(() => {
      if (this.jobs.get(job.id) !== job) return;
      this.deps.logger.warn('peer job abandoned; removing it', { job: job.id, state: job.state });
      this.jobs.delete(job.id);
      void this.dispose(job, 'abandoned');
    }, ms);
    job.timer.unref();
  }

  private clearTimer(job: Job): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
  }

  private missing(job: Job): string[] {
    return job.request.files.map((f) => f.name).filter((name) => !job.received.has(name));
  }

  private logFile(job: Job): string {
    return path.join(job.dir, 'build.log');
  }

  private view(job: Job): PeerJobView {
    return {
      job: job.id,
      state: job.state,
      codename: job.request.codename,
      architecture: job.request.architecture,
      dsc: job.request.dsc,
      missing: this.missing(job),
      createdAt: job.createdAt.toISOString(),
      result: job.result,
    };
  }
}

/** The file list of a job: safe, distinct names, the .dsc among them. */
function checkFiles(request: PeerJobRequest): void {
  const problems: { where: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const file of request.files) {
    if (!PEER_FILE_NAME.test(file.name)) {
      problems.push({ where: file.name, message: 'is not a plain file name' });
    }
    if (seen.has(file.name)) problems.push({ where: file.name, message: 'is listed twice' });
    seen.add(file.name);
  }
  if (!request.dsc.endsWith('.dsc') || !seen.has(request.dsc)) {
    problems.push({ where: request.dsc, message: 'must be a .dsc and one of the files' });
  }
  if (problems.length > 0) throw new InvalidInputError('invalid peer job', { problems });
}
