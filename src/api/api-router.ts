import express, { type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  AppError,
  AuthenticationError,
  InvalidInputError,
  PermissionError,
} from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import {
  accessAllows,
  callPath,
  wantsStream,
  type Access,
  type CallInput,
  type CallOutput,
  type CallSpec,
  type CallStreamItem,
} from './call.js';
import {
  API_BODY_LIMIT,
  declaredLength,
  parserTooLarge,
  refuseDeclaredLarge,
} from './body-limit.js';
import { fromZodError, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import { SseWriter } from './sse.js';

/** Who is making a request. */
export interface Principal {
  /** The user name; null for anonymous requests. */
  user: string | null;
  role: Access;
  userId?: number;
  /** How the request was authenticated. */
  via?: 'token' | 'session';
  /** The API token used, when `via` is `token`. */
  tokenId?: number;
}

export const ANONYMOUS: Principal = { user: null, role: 'anonymous' };

/**
 * Resolves the principal of a request (bearer token, session cookie); web/ provides it.
 * Presented but invalid credentials throw (401), as do cookie POSTs without CSRF (403).
 */
export type Authenticate = (req: Request) => Principal | Promise<Principal>;

export interface CallContext {
  principal: Principal;
  /** Aborted when the client goes away or the daemon stops. */
  signal: AbortSignal;
  request: Request;
  response: Response;
}

/** Where a streaming call sends its items. */
export interface StreamSink<T> {
  /** Sends one item; `id` is what a client resumes after. */
  send(item: T, id?: string | number): void;
  /** The id a reconnecting client last saw (the `Last-Event-ID` header). */
  lastEventId: string | undefined;
  /**
   * Resolves once the client has taken what was sent (or has gone away): a stream of much
   * (a build log) waits for it, so a slow client holds no more than a piece in memory.
   */
  drained(): Promise<void>;
}

export interface CallImplementation {
  spec: CallSpec;
  handle(input: unknown, context: CallContext): unknown;
  /** For streaming calls: sends items until done or until `context.signal` aborts. */
  stream?(input: unknown, context: CallContext, sink: StreamSink<unknown>): Promise<void>;
}

/** Binds a handler (and for streaming calls, a streamer) to its spec, type-checked. */
export function implement<S extends CallSpec<z.ZodTypeAny, unknown, unknown>>(
  spec: S,
  handle: (input: CallInput<S>, context: CallContext) => CallOutput<S> | Promise<CallOutput<S>>,
  stream?: (
    input: CallInput<S>,
    context: CallContext,
    sink: StreamSink<CallStreamItem<S>>,
  ) => Promise<void>,
): CallImplementation {
  return {
    spec,
    handle: handle as CallImplementation['handle'],
    stream: stream as CallImplementation['stream'],
  };
}

/** Throws 401 or 403 unless the principal may make the call: the one access check. */
export function authorize(spec: CallSpec, principal: Principal): void {
  if (accessAllows(principal.role, spec.access)) return;
  throw principal.user === null
    ? new AuthenticationError(
        `${spec.name} needs a logged-in user with role ${spec.access}; pass a token`,
      )
    : new PermissionError(
        `${spec.name} needs role ${spec.access}; user ${principal.user} has role ${principal.role}`,
      );
}

/** Validates raw input against the call's schema; 400 naming each bad field. */
export function parseInput(spec: CallSpec, raw: unknown): unknown {
  const parsed = spec.input.safeParse(raw ?? {});
  if (!parsed.success) throw fromZodError(parsed.error, `invalid input for ${spec.name}`);
  return parsed.data;
}

/**
 * Runs a call in-process (web UI forms) with the same access check and validation as
 * over HTTP.
 */
export async function invokeCall<S extends CallSpec>(
  implementations: readonly CallImplementation[],
  spec: S,
  raw: unknown,
  context: CallContext,
): Promise<CallOutput<S>> {
  const implementation = implementations.find((i) => i.spec.name === spec.name);
  if (!implementation) throw new AppError('internal', `API call ${spec.name} is not implemented`);
  authorize(spec, context.principal);
  return (await implementation.handle(parseInput(spec, raw), context)) as CallOutput<S>;
}

export interface ApiRouterDeps {
  implementations: readonly CallImplementation[];
  authenticate: Authenticate;
  logger: Logger;
  /** Aborted when the HTTP server begins to close: streams end. */
  closing?: AbortSignal;
  /** Keep-alive comment interval of streams. */
  heartbeatMs?: number;
  /** Routes under /api/v1 that are not calls (raw file transfers), before the 404. */
  routers?: readonly express.Router[];
}

type RawBodied = { rawBody?: Buffer };

/** The bytes of a JSON body as they came (webhooks check signatures over them). */
export function rawBodyOf(req: Request): Buffer | undefined {
  return (req as Request & RawBodied).rawBody;
}

/** The `/api/v1` router: one route per call, access checks, validation, problems. */
export function createApiRouter(deps: ApiRouterDeps): express.Router {
  const router = express.Router();
  // Calls take JSON up to API_BODY_LIMIT; peer file transfers (PUT) check their own sizes.
  const bodies = 'API calls';
  router.use((req, res, next) =>
    req.method === 'PUT' ? next() : refuseDeclaredLarge(API_BODY_LIMIT, bodies)(req, res, next),
  );
  router.use(
    express.json({
      limit: API_BODY_LIMIT,
      verify: (req, _res, body) => {
        (req as RawBodied).rawBody = body;
      },
    }),
  );
  router.use((req, _res, next) => {
    // A form or text body would be ignored and the call made without its input.
    const type = req.get('content-type') ?? 'none';
    const body = req.get('transfer-encoding') !== undefined || (declaredLength(req) ?? 0) > 0;
    next(
      req.method === 'POST' && body && !req.is(['json', '+json'])
        ? new InvalidInputError(
            `API calls take their input as JSON (Content-Type: application/json), not ${type}`,
          )
        : undefined,
    );
  });
  const known = new Map<string, CallImplementation>();
  for (const implementation of deps.implementations) {
    const { spec } = implementation;
    if (known.has(spec.name)) throw new Error(`API call ${spec.name} is implemented twice`);
    if (spec.stream && !implementation.stream) throw new Error(`${spec.name} needs a streamer`);
    known.set(spec.name, implementation);
    const path = callPath(spec).slice('/api/v1'.length);
    const route = (req: Request, res: Response, next: NextFunction) =>
      runCall(implementation, deps, req, res).catch(next);
    if (spec.method === 'GET') router.get(path, route);
    else router.post(path, route);
  }
  for (const extra of deps.routers ?? []) router.use(extra);
  router.all('/{*rest}', (req, res) => {
    const name = req.path.replace(/^\//, '');
    const implementation = known.get(name);
    const error = implementation
      ? new InvalidInputError(
          `${name} is called with ${implementation.spec.method}, not ${req.method}`,
        )
      : new AppError('not_found', `there is no API call "${name}"`);
    sendProblem(res, error, implementation ? 405 : undefined);
  });
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const problem = bodyParseProblem(error, bodies) ?? error;
    if (!(problem instanceof AppError) || problem.code === 'internal') {
      deps.logger.error('API call failed', { err: error });
    }
    sendProblem(res, problem);
  });
  return router;
}

async function runCall(
  implementation: CallImplementation,
  deps: ApiRouterDeps,
  req: Request,
  res: Response,
): Promise<void> {
  const { spec } = implementation;
  const principal = await deps.authenticate(req);
  authorize(spec, principal);
  const input = parseInput(spec, spec.method === 'GET' ? req.query : req.body);
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client went away'));
  });
  const signal = deps.closing
    ? AbortSignal.any([controller.signal, deps.closing])
    : controller.signal;
  const context: CallContext = { principal, signal, request: req, response: res };
  if (wantsStream(spec, input)) return runStream(implementation, input, context, deps);
  const output = await implementation.handle(input, context);
  if (!res.headersSent) res.json(output ?? null);
}

async function runStream(
  implementation: CallImplementation,
  input: unknown,
  context: CallContext,
  deps: ApiRouterDeps,
): Promise<void> {
  const writer = new SseWriter(context.response, {
    heartbeatMs: deps.heartbeatMs ?? 15_000,
    retryMs: 2000,
  });
  const sink: StreamSink<unknown> = {
    send: (item, id) => writer.send(item, id),
    lastEventId: context.request.get('last-event-id') || undefined,
    drained: () => writer.drained(),
  };
  try {
    await implementation.stream!(input, context, sink);
  } catch (error) {
    if (!(error instanceof AppError) || error.code === 'internal') {
      deps.logger.error('API stream failed', { err: error, call: implementation.spec.name });
    }
    writer.problem(toProblem(error));
  } finally {
    writer.end();
  }
}

export function sendProblem(res: Response, error: unknown, status?: number): void {
  const problem = toProblem(error);
  if (status) problem.status = status;
  if (res.headersSent) {
    res.end();
    return;
  }
  if (problem.code === 'rate_limited' && typeof problem.details?.retryAfterSeconds === 'number') {
    res.setHeader('Retry-After', String(problem.details.retryAfterSeconds));
  }
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function bodyParseProblem(error: unknown, what: string): AppError | undefined {
  const e = error as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') {
    return new InvalidInputError(`request body is not valid JSON: ${e.message}`);
  }
  const tooLarge = parserTooLarge(error, API_BODY_LIMIT, what);
  if (tooLarge) return tooLarge;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.type) {
    return new InvalidInputError(`bad request: ${e.message}`);
  }
  return undefined;
}
