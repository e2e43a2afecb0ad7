import { AppError, AuthenticationError, UnavailableError } from '../shared/errors.js';
import {
  callPath,
  type CallInput,
  type CallOutput,
  type CallSpec,
  type CallStreamItem,
} from './call.js';
import { readEventStream } from './event-stream.js';
import { fromProblem, type ProblemDocument } from './problem.js';

export interface ApiClientOptions {
  /** Base URL of the daemon, e.g. http://localhost:8066 */
  server: string;
  token?: string;
  fetch?: typeof fetch;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Reconnect (resuming after the last item) when the daemon ends the stream. */
  reconnect?: boolean;
  /** How long to keep trying to reconnect before giving up. */
  reconnectForMs?: number;
}

/** Calls the daemon's JSON API; problems come back as the matching AppError. */
export class ApiClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.base = options.server.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  async call<S extends CallSpec>(
    spec: S,
    input: CallInput<S>,
    signal?: AbortSignal,
  ): Promise<CallOutput<S>> {
    const response = await this.send(spec, input, { accept: 'application/json' }, signal);
    const text = await response.text();
    if (!response.ok) throw problemOf(response, text);
    try {
      return JSON.parse(text) as CallOutput<S>;
    } catch (error) {
      throw new AppError('internal', `the server at ${this.base} did not answer with JSON`, {
        cause: error,
      });
    }
  }

  /**
   * Follows a streaming call (its stream flag set in `input`), handing each item to
   * `onItem` in order. Resolves when the stream ends or `signal` aborts; with
   * `reconnect`, a stream the daemon ends (restart) is resumed after the last item.
   */
  async stream<S extends CallSpec>(
    spec: S,
    input: CallInput<S>,
    onItem: (item: CallStreamItem<S>) => void,
    options: StreamOptions = {},
  ): Promise<void> {
    const { signal } = options;
    let lastEventId: string | undefined;
    let retryMs = 2000;
    let failingSince: number | undefined;
    let connected = false;
    let complete = false;
    for (;;) {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      try {
        const response = await this.send(spec, input, headers, signal);
        if (!response.ok) throw problemOf(response, await response.text());
        connected = true;
        failingSince = undefined;
        await readEventStream(response, {
          onItem: (data, id) => {
            if (id !== undefined) lastEventId = id;
            onItem(data as CallStreamItem<S>);
            if (spec.stream?.isLast?.(data)) complete = true;
          },
          onProblem: (problem) => {
            throw fromProblem(problem, 500);
          },
          onRetry: (ms) => (retryMs = ms),
        });
      } catch (error) {
        if (signal?.aborted) return;
        // Only a stream that was running is resumed; a first failure is reported at once.
        const unreachable = error instanceof UnavailableError || isStreamBreak(error);
        if (!options.reconnect || !unreachable || !connected) throw error;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > (options.reconnectForMs ?? 60_000)) throw error;
      }
      if (signal?.aborted || !options.reconnect || complete) return;
      await sleep(retryMs, signal);
      if (signal?.aborted) return;
    }
  }

  private async send(
    spec: CallSpec,
    input: unknown,
    extraHeaders: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const url = new URL(this.base + callPath(spec));
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let body: string | undefined;
    if (spec.method === 'GET') {
      for (const [key, value] of Object.entries((input ?? {}) as Record<string, unknown>)) {
        if (value === undefined || value === null) continue;
        for (const item of Array.isArray(value) ? value : [value])
          url.searchParams.append(key, String(item));
      }
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input ?? {});
    }
    try {
      return await this.fetchImpl(url, {
        method: spec.method,
        headers,
        body,
        signal: signal ?? null,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new UnavailableError(
        `cannot reach the debyard daemon at ${this.base} (${describeFetchError(error)}); is it running? pass --server URL`,
        { cause: error },
      );
    }
  }
}

function problemOf(response: Response, text: string): AppError {
  try {
    return fromProblem(JSON.parse(text) as Partial<ProblemDocument>, response.status);
  } catch {
    if (response.status === 401)
      return new AuthenticationError('authentication required; pass --token');
    return new AppError(
      'internal',
      `HTTP ${response.status} from ${response.url}: ${text.slice(0, 200)}`,
    );
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** A connection that broke mid-stream (daemon killed): resumable. */
function isStreamBreak(error: unknown): boolean {
  return error instanceof TypeError || (error as { name?: string })?.name === 'SocketError';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
