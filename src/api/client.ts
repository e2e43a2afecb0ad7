import { AppError, AuthenticationError, UnavailableError } from '../shared/errors.js';
import { callPath, type CallInput, type CallOutput, type CallSpec } from './call.js';
import { fromProblem, type ProblemDocument } from './problem.js';

export interface ApiClientOptions {
  /** Base URL of the daemon, e.g. http://localhost:8066 */
  server: string;
  token?: string;
  fetch?: typeof fetch;
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
    const url = new URL(this.base + callPath(spec));
    const headers: Record<string, string> = { accept: 'application/json' };
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
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        body,
        signal: signal ?? null,
      });
    } catch (error) {
      throw new UnavailableError(
        `cannot reach the debyard daemon at ${this.base} (${describeFetchError(error)}); is it running? pass --server URL`,
        { cause: error },
      );
    }
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
