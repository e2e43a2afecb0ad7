import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { AppError, InvalidInputError, type Problem } from './errors.js';

export interface WorkerPoolOptions {
  /** The worker's module: it calls serveWorkerRequests with its handler. */
  script: URL;
  /** Worker threads at most. */
  size: number;
  /** Requests sent to a worker in one message at most (default 32). */
  batch?: number;
  /**
   * Batches sent to a worker before its first answer comes back (default 2): the next
   * batch waits in the worker, which so never idles while this thread (busy or not
   * scheduled, on a loaded machine) handles the previous answer.
   */
  depth?: number;
  /** Workers are stopped after this long without work (they hold memory). Default 5 s. */
  idleMs?: number;
  /** Each worker's young generation in MB (V8's default when absent). */
  youngGenerationMb?: number;
}

interface Pending<Req, Res> {
  request: Req;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

type Outcome<Res> = { ok: Res } | { error: SerializedError };

interface SerializedError {
  name: string;
  message: string;
  code?: string;
  problems?: Problem[];
}

interface Slot<Req, Res> {
  worker: Worker;
  /** Batches sent and not answered yet, oldest first (a worker answers in order). */
  sent: Pending<Req, Res>[][];
}

/**
 * Runs requests on a few worker threads, for CPU-bound work that would otherwise hold the
 * event loop (decoding thousands of small packages). Workers start on first use, batch the
 * requests waiting in the queue, never keep the process alive, and stop when idle.
 */
export class WorkerPool<Req, Res> {
  private readonly queue: Pending<Req, Res>[] = [];
  private readonly slots: Slot<Req, Res>[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  /** Requests sent to workers and not answered yet. */
  private sentCount = 0;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Worker threads running now. */
  get threads(): number {
    return this.slots.length;
  }

  /** Requests queued or running now. */
  get load(): number {
    return this.queue.length + this.sentCount;
  }

  run(request: Req, signal?: AbortSignal): Promise<Res> {
    signal?.throwIfAborted();
    const result = new Promise<Res>((resolve, reject) =>
      this.queue.push({ request, resolve, reject }),
    );
    this.dispatch();
    return signal ? abortable(result, signal) : result;
  }

  /** Stops the workers now if no request is queued or running (they start again on use). */
  async release(): Promise<void> {
    if (this.load === 0) await this.close();
  }

  /** Stops every worker; requests still running fail. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const slots = this.slots.splice(0);
    this.sentCount = 0;
    for (const p of slots.flatMap((s) => s.sent.flat())) p.reject(new Error('worker pool closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    const idle = () => this.slots.filter((s) => s.sent.length === 0).length;
    while (this.slots.length < this.options.size && this.queue.length > idle()) {
      this.slots.push(this.spawn());
    }
    // Round by round: every worker gets a batch before any gets a second one.
    for (let round = 1; round <= (this.options.depth ?? 2); round++) {
      for (const slot of this.slots) {
        if (this.queue.length === 0) break;
        if (slot.sent.length >= round) continue;
        const batch = this.queue.splice(0, this.options.batch ?? 32);
        slot.sent.push(batch);
        this.sentCount += batch.length;
        slot.worker.ref();
        slot.worker.postMessage(batch.map((p) => p.request));
      }
    }
    if (this.load === 0)
      this.idleTimer = setTimeout(() => void this.close(), this.options.idleMs ?? 5000).unref();
  }

  private spawn(): Slot<Req, Res> {
    const { youngGenerationMb } = this.options;
    const worker = new Worker(this.options.script, {
      ...(youngGenerationMb && { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } }),
    });
    const slot: Slot<Req, Res> = { worker, sent: [] };
    slot.worker.unref();
    slot.worker.on('message', (outcomes: Outcome<Res>[]) => {
      const batch = slot.sent.shift() ?? [];
      this.sentCount -= batch.length;
      if (slot.sent.length === 0) slot.worker.unref();
      batch.forEach((p, i) => settle(p, outcomes[i]));
      this.dispatch();
    });
    const lost = (error: unknown) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      for (const p of slot.sent.flat()) p.reject(error);
      this.sentCount -= slot.sent.flat().length;
      slot.sent = [];
      if (this.queue.length > 0) this.dispatch();
    };
    slot.worker.on('error', lost);
    slot.worker.on('exit', (code) => {
      if (this.slots.includes(slot)) lost(new Error(`worker thread exited with code ${code}`));
    });
    return slot;
  }
}

function settle<Res>(pending: Pending<unknown, Res>, outcome: Outcome<Res> | undefined): void {
  if (outcome && 'ok' in outcome) pending.resolve(outcome.ok);
  else
    pending.reject(
      outcome ? deserializeError(outcome.error) : new Error('worker thread gave no answer'),
    );
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The worker side: answers each batch of requests with `handle`, in order. Errors cross
 * as their name, message, code and problems; InvalidInputError comes back as itself.
 */
export function serveWorkerRequests<Req, Res>(handle: (request: Req) => Promise<Res>): void {
  if (isMainThread || !parentPort) throw new Error('serveWorkerRequests runs in a worker thread');
  const port = parentPort;
  // Batches are answered one after the other, in the order they came.
  let previous = Promise.resolve();
  port.on('message', (requests: Req[]) => {
    previous = previous
      .then(async () => {
        const outcomes: Outcome<Res>[] = [];
        for (const request of requests) {
          try {
            outcomes.push({ ok: await handle(request) });
          } catch (error) {
            outcomes.push({ error: serializeError(error) });
          }
        }
        port.postMessage(outcomes);
      })
      .catch((error: unknown) => {
        // An answer that cannot be sent ends the thread: the pool fails its requests.
        process.nextTick(() => {
          throw error;
        });
      });
  });
}

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const serialized: SerializedError = { name: error.name, message: error.message };
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string') serialized.code = code;
  if (error instanceof AppError) serialized.problems = error.problems;
  return serialized;
}

function deserializeError(error: SerializedError): Error {
  if (error.name === 'InvalidInputError') {
    return new InvalidInputError(error.message, error.problems ? { problems: error.problems } : {});
  }
  const rebuilt = new Error(error.message) as NodeJS.ErrnoException;
  rebuilt.name = error.name;
  if (error.code !== undefined) rebuilt.code = error.code;
  return rebuilt;
}
