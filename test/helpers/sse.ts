import http from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { onTestFinished } from 'vitest';

export interface SseConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every message so far. */
  messages: EventSourceMessage[];
  /** Waits until `count` messages have arrived in total (fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<EventSourceMessage[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Closes the connection (its socket at once). */
  close(): void;
}

/**
 * Opens a Server-Sent Events stream on its own connection (node:http, no pooling, so
 * closing it really closes the socket) and parses messages as they arrive.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      agent: false,
      headers: { accept: 'text/event-stream', ...headers },
    });
    request.once('error', reject);
    request.once('response', (response) => {
      const messages: EventSourceMessage[] = [];
      const waiters = new Set<() => void>();
      const parser = createParser({
        onEvent: (message) => {
          messages.push(message);
          for (const wake of [...waiters]) wake();
        },
      });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => parser.feed(chunk));
      const ended = new Promise<void>((done) => response.once('close', () => done()));
      const close = () => void request.destroy();
      onTestFinished(close);
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        messages,
        ended,
        close,
        waitFor: (count, timeoutMs = 5000) =>
          new Promise((found, fail) => {
            const check = () => {
              if (messages.length < count) return;
              waiters.delete(check);
              clearTimeout(timer);
              found(messages.slice(0, count));
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(
                  `got ${messages.length} of ${count} messages: ${JSON.stringify(messages)}`,
                ),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      });
    });
  });
}

/** The event data of SSE messages. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const dataOf = (messages: EventSourceMessage[]): any[] =>
  messages.map((m) => JSON.parse(m.data));
