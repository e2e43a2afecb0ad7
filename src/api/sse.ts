import type { Response } from 'express';
import type { ProblemDocument } from './problem.js';

/** Writes one Server-Sent Events response: items as `data:` JSON lines with ids. */
export class SseWriter {
  private readonly heartbeat: NodeJS.Timeout;

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
    this.heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs);
    this.heartbeat.unref();
  }

  send(item: unknown, id?: string | number): void {
    if (this.res.writableEnded) return;
    const idLine = id === undefined ? '' : `id: ${String(id).replace(/[\r\n]/g, '')}\n`;
    this.res.write(`${idLine}data: ${JSON.stringify(item)}\n\n`);
  }

  /** Resolves when the response's buffer has been handed to the client, or it closed. */
  drained(): Promise<void> {
    return responseDrained(this.res);
  }

  /** Reports a failure inside the stream, where a status code can no longer be sent. */
  problem(problem: ProblemDocument): void {
    if (this.res.writableEnded) return;
    this.res.write(`event: problem\ndata: ${JSON.stringify(problem)}\n\n`);
  }

  end(): void {
    clearInterval(this.heartbeat);
    this.res.end();
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
