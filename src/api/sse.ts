import type { Response } from 'express';
import type { ProblemDocument } from './problem.js';

/**
 * Writes one Server-Sent Events response: items as `data:` JSON lines with ids. Items sent
 * in one go (the lines of a piece of log) leave in one write, not one write each.
 */
export class SseWriter {
  private readonly heartbeat: NodeJS.Timeout;
  private pending: string[] = [];

  constructor(
    private readonly res: Response,
    options: { heartbeatMs: number; retryMs: number },
  ) {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // One stream per connection: the socket closes with the stream (clean shutdown).
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${options.retryMs}\n\n`);
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), options.heartbeatMs);
    this.heartbeat.unref();
  }

  send(item: unknown, id?: string | number): void {
    const idLine = id === undefined ? '' : `id: ${String(id).replace(/[\r\n]/g, '')}\n`;
    this.write(`${idLine}data: ${JSON.stringify(item)}\n\n`);
  }

  /** Resolves when what was sent has been handed to the client (or it went away). */
  drained(): Promise<void> {
    this.flush();
    return responseDrained(this.res);
  }

  /** Reports a failure inside the stream, where a status code can no longer be sent. */
  problem(problem: ProblemDocument): void {
    this.write(`event: problem\ndata: ${JSON.stringify(problem)}\n\n`);
  }

  end(): void {
    clearInterval(this.heartbeat);
    this.flush();
    this.res.end();
  }

  private write(text: string): void {
    if (this.res.writableEnded) return;
    if (this.pending.length === 0) process.nextTick(() => this.flush());
    this.pending.push(text);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    if (!this.res.writableEnded) this.res.write(text);
  }
}

/** Resolves when `res` can take more without buffering (or has closed). */
export function responseDrained(res: Response): Promise<void> {
  if (!res.writableNeedDrain || res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
