import { createParser } from 'eventsource-parser';
import type { ProblemDocument } from './problem.js';

export interface EventStreamHandlers {
  /** One `data:` item, parsed from JSON, with its id. */
  onItem(data: unknown, id: string | undefined): void;
  /** A failure the server reported inside the stream. */
  onProblem(problem: Partial<ProblemDocument>): void;
  onRetry?(ms: number): void;
}

/** Reads a Server-Sent Events response to its end; a handler's throw ends the read. */
export async function readEventStream(
  response: Response,
  handlers: EventStreamHandlers,
): Promise<void> {
  if (!response.body) return;
  let failure: unknown;
  const parser = createParser({
    onEvent: (message) => {
      if (failure !== undefined) return;
      try {
        const data: unknown = JSON.parse(message.data);
        if (message.event === 'problem') handlers.onProblem(data as Partial<ProblemDocument>);
        else handlers.onItem(data, message.id);
      } catch (error) {
        failure = error;
      }
    },
    onRetry: (ms) => handlers.onRetry?.(ms),
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (failure !== undefined) throw failure;
    }
  } finally {
    reader.releaseLock();
    if (failure !== undefined) await response.body.cancel().catch(() => {});
  }
  if (failure !== undefined) throw failure;
}
