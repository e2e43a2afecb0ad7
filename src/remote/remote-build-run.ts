import path from 'node:path';
import type { BuildRequest, BuildResult } from '../builder/build-request.js';
import type { LiveLog } from '../builder/live-log.js';
import { banner, fields, section } from '../builder/log-format.js';
import { describeError, RemotePeerError } from '../shared/errors.js';
import type { PeerBuildResult, PeerFile, PeerJobRequest, PeerJobView } from './peer-api.js';
import type { PeerHandle, RemoteBuilderDeps } from './peer-handle.js';
import { fetchResults } from './result-fetch.js';

/** The source package to send: the .dsc and its files, in `dir`. */
export interface SourceToSend {
  dir: string;
  dsc: string;
  source: string;
  version: string;
  files: PeerFile[];
}

const CLEANUP_MS = 10_000;

/** One build on a peer: job, files, start, live log, results, cleanup. */
export class RemoteBuildRun {
  private readonly startedAt: Date;

  constructor(
    private readonly peer: PeerHandle,
    private readonly request: BuildRequest,
    private readonly source: SourceToSend,
    private readonly deps: RemoteBuilderDeps,
  ) {
    this.startedAt = deps.clock.now();
  }

  async execute(signal: AbortSignal): Promise<BuildResult> {
    const { api } = this.peer;
    const stop = AbortSignal.any([signal, this.peer.lost()]);
    const job = await api.createJob(this.jobRequest(), stop).catch((error: unknown) => {
      if (!stop.aborted) this.peer.suspect();
      throw error;
    });
    const log = this.deps.logs.open(this.request.id, this.request.logFile);
    try {
      this.header(log, job);
      await this.send(job.job, log, stop);
      const result = await this.follow(job.job, log, signal, stop);
      if (!result) return this.cancelled(log, signal);
      const fetched = await fetchResults(api, job.job, result, this.request.resultDir, stop);
      log.write(section(`Results from ${this.peer.label}`));
      log.write(
        fetched.files.length > 0
          ? `${fetched.files.map((f) => path.basename(f)).join('\n')}\nChecked against ${path.basename(fetched.changes!)}.\n`
          : 'none\n',
      );
      // Dropped here (this daemon's cap) or already on the peer (its own cap).
      const { droppedBytes } = log.close();
      const dropped = droppedBytes + (result.logDroppedBytes ?? 0);
      return { ...this.result(result, fetched), logDroppedBytes: dropped || undefined };
    } catch (error) {
      if (signal.aborted) return this.cancelled(log, signal);
      const lost = this.lost(error, stop, 'lost the build');
      log.write(`\nE: ${lost.message}\nThe build is given back to be built elsewhere.\n`);
      throw lost;
    } finally {
      log.close();
      // Frees the peer's slot; a peer that is down removes abandoned jobs itself later.
      void this.removeJob(job.job);
    }
  }

  private jobRequest(): PeerJobRequest {
    const { id: _id, dsc: _dsc, resultDir: _r, logFile: _l, ...fields } = this.request;
    return { ...fields, dsc: this.source.dsc, files: this.source.files };
  }

  private async send(job: string, log: LiveLog, stop: AbortSignal): Promise<void> {
    log.write(section(`Send source files to ${this.peer.label}`));
    for (const file of this.source.files) {
      await this.peer.api.upload(job, file, path.join(this.source.dir, file.name), stop);
      log.write(`${file.name} (${file.size} bytes, SHA-256 ${file.sha256})\n`);
    }
    await this.peer.api.startJob(job, stop);
    log.write(`Build started on ${this.peer.label}.\n\n`);
  }

  /** The peer's log, live; null when cancelled. Gives up on a peer that stops answering. */
  private async follow(
    job: string,
    log: LiveLog,
    signal: AbortSignal,
    stop: AbortSignal,
  ): Promise<PeerBuildResult | null> {
    const { failoverTimeoutMs } = this.deps;
    const deadline = AbortSignal.timeout(this.request.timeLimitMs + failoverTimeoutMs);
    try {
      return await this.peer.api.follow(job, (text) => log.write(text), {
        signal: AbortSignal.any([stop, deadline]),
        resumeForMs: failoverTimeoutMs,
      });
    } catch (error) {
      if (signal.aborted) return null;
      if (deadline.aborted && !stop.aborted) {
        throw new RemotePeerError(
          `${this.peer.label} did not finish the build within its time limit and the failover timeout`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Why the peer is of no more use for this build, as a RemotePeerError naming it. */
  private lost(error: unknown, stop: AbortSignal, what: string): RemotePeerError {
    const lost = this.peer.lost();
    if (!stop.aborted) this.peer.suspect();
    const label = this.peer.label;
    const why = describeError(lost.aborted ? lost.reason : error)
      .replace(`${label}: `, '')
      .replace(`${label} `, '');
    return new RemotePeerError(`${label} ${what}: ${why}`, { cause: error });
  }

  private async removeJob(job: string): Promise<void> {
    try {
      await this.peer.api.removeJob(job, AbortSignal.timeout(CLEANUP_MS));
    } catch (error) {
      this.deps.logger.warn('cannot remove a finished peer job', {
        peer: this.peer.name,
        job,
        reason: describeError(error),
      });
    }
  }

  private header(log: LiveLog, job: PeerJobView): void {
    const status = this.peer.status();
    log.write(
      banner(
        `${this.source.source} ${this.source.version} (${this.request.architecture})`,
        this.startedAt,
      ),
    );
    log.write(
      `\n${fields({
        'Remote peer': this.peer.label,
        'Peer daemon': status ? `${status.identity} (debyard ${status.version})` : null,
        'Peer job': job.job,
      })}`,
    );
  }

  private cancelled(log: LiveLog, signal: AbortSignal): BuildResult {
    const reason = `cancelled: ${describeError(signal.reason)}`;
    log.write(`\nE: ${reason}\n`);
    return {
      ...this.base(),
      status: 'cancelled',
      failStage: 'build',
      reason,
      changes: null,
      files: [],
      lintian: 'disabled',
      buildTimeMs: 0,
      installTimeMs: 0,
      setupTimeMs: 0,
    };
  }

  private result(
    peer: PeerBuildResult,
    fetched: { changes: string | null; files: string[] },
  ): BuildResult {
    return {
      ...peer,
      ...this.base(),
      version: peer.version,
      changes: fetched.changes,
      files: fetched.files,
    };
  }

  private base() {
    return {
      id: this.request.id,
      package: this.source.source,
      version: this.source.version,
      architecture: this.request.architecture,
      logFile: this.request.logFile,
      startedAt: this.startedAt.toISOString(),
      totalTimeMs: Math.round(this.deps.clock.now().getTime() - this.startedAt.getTime()),
    };
  }
}
