import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from 'node:worker_threads';
import { AppError } from '../../shared/errors.js';

/** What the link thread is given (workerData). */
export interface LinkJob {
  files: { from: string; to: string }[];
  /** A folder on the pool's file system, for `sync -f`. */
  syncRoot: string;
  /** [0] becomes 1 when the thread is done. */
  state: Int32Array;
  port: MessagePort;
}

/** What it did: the indices of files it could not link, and a failed sync. */
export interface LinkOutcome {
  failed: number[];
  syncError: string | null;
}

const DEFAULT_SCRIPT = new URL('./pool-link-worker.js', import.meta.url);

/**
 * Hard-links a bulk of handed-over files into the pool on a thread of its own, so that the
 * links (a few hundred milliseconds of mkdir and link system calls for thousands of
 * packages) run while this thread writes the database. The install's transaction waits
 * for them (waitSync) before it commits: the database still never names a file that is
 * not durably in the pool.
 */
export class BackgroundLinks {
  private outcome: LinkOutcome | undefined;
  /** Why the thread stopped, once it has (an error, or its exit). */
  private stopped: string | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly state: Int32Array,
    private readonly port: MessagePort,
    private readonly count: number,
  ) {
    worker.unref();
    worker.on('error', (error) => (this.stopped ??= `the link thread failed: ${error.message}`));
    worker.on('exit', (code) => (this.stopped ??= `the link thread exited with code ${code}`));
  }

  /**
   * Starts linking, or gives undefined where there is no built worker script (run from
   * the TypeScript sources, as the tests do): the caller then links in-thread.
   */
  static start(
    files: readonly { from: string; to: string }[],
    syncRoot: string,
    script: URL = DEFAULT_SCRIPT,
  ): BackgroundLinks | undefined {
    if (!existsSync(fileURLToPath(script))) return undefined;
    const state = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const job: LinkJob = { files: [...files], syncRoot, state, port: port2 };
    const worker = new Worker(script, { workerData: job, transferList: [port2] });
    return new BackgroundLinks(worker, state, port1, files.length);
  }

  /**
   * Blocks this thread until the links are done (inside a database transaction, which
   * cannot wait asynchronously), at most `timeoutMs` (default: a minute plus 20 ms per
   * file; a thread that died unseen — its exit cannot be heard while this thread blocks —
   * costs that long).
   */
  waitSync(timeoutMs = 60_000 + 20 * this.count): LinkOutcome {
    const deadline = Date.now() + timeoutMs;
    while (!this.outcome && Atomics.load(this.state, 0) === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.state, 0, 0, left) === 'timed-out') {
        const message = `hard-linking ${this.count} files into the pool took more than ${Math.round(timeoutMs / 1000)} s`;
        this.give({ failed: [], syncError: message });
        throw new AppError('internal', message);
      }
    }
    return this.finish();
  }

  /** Waits for the links without blocking (when the transaction ended before it waited). */
  async done(): Promise<LinkOutcome> {
    while (!this.outcome && Atomics.load(this.state, 0) === 0) {
      if (this.stopped) return this.give({ failed: [], syncError: this.stopped });
      await sleep(10);
    }
    return this.finish();
  }

  private finish(): LinkOutcome {
    if (this.outcome) return this.outcome;
    const received = receiveMessageOnPort(this.port)?.message as LinkOutcome | undefined;
    return this.give(received ?? { failed: [], syncError: 'the link thread sent no outcome' });
  }

  /** Settles the outcome once and stops the thread (it waits on its port otherwise). */
  private give(outcome: LinkOutcome): LinkOutcome {
    this.outcome ??= outcome;
    this.port.close();
    void this.worker.terminate();
    return this.outcome;
  }
}
