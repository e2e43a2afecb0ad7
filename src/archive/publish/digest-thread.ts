import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SegmentPlaces } from './segment-file.js';

/** What the thread is asked: the SHA-256 of the texts at `places`, as the file `name`. */
export interface DigestRequest extends SegmentPlaces {
  id: number;
  name: string;
  /** The segments' content addresses (PrefixDigests resumes after the unchanged ones). */
  keys: readonly string[];
}

export type DigestReply = { id: number; sha256: string } | { id: number; error: string };

interface Pending {
  resolve: (sha256: string) => void;
  reject: (error: Error) => void;
}

const DEFAULT_SCRIPT = new URL('./digest-worker.js', import.meta.url);

/**
 * Hashes big plain indices (tens of megabytes from a change on, at Debian's size) on a
 * thread of its own, which reads their texts from the SegmentFile itself: most of an
 * add's hashing then runs beside this thread's work. The thread keeps its hash states
 * between publishes; it does not keep the process alive while it has nothing to do. If it
 * dies, what it was asked fails and the next request starts another (hashing whole).
 */
export class DigestThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  private constructor(private readonly script: URL) {}

  /**
   * A thread, or undefined where there is no built worker script (run from the TypeScript
   * sources, as the tests do): the caller then hashes in-thread.
   */
  static create(script: URL = DEFAULT_SCRIPT): DigestThread | undefined {
    return existsSync(fileURLToPath(script)) ? new DigestThread(script) : undefined;
  }

  digest(name: string, keys: readonly string[], at: SegmentPlaces): Promise<string> {
    const worker = this.start();
    const id = this.next++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, name, keys, ...at } satisfies DigestRequest);
    });
  }

  /** Stops the thread (what it was asked fails). */
  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.unref();
    worker.on('message', (reply: DigestReply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) pending?.reject(new Error(`hashing an index failed: ${reply.error}`));
      else pending?.resolve(reply.sha256);
    });
    const stopped = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    worker.on('error', (error) => stopped(`the digest thread failed: ${error.message}`));
    worker.on('exit', (code) => stopped(`the digest thread exited with code ${code}`));
    this.worker = worker;
    return worker;
  }
}
