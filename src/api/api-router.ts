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
  type Access,
  type CallInput,
  type CallOutput,
  type CallSpec,
} from './call.js';
import { fromZodError, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/** Who is making a request. */
export interface Principal {
  /** The user name; null for anonymous requests. */
  user: string | null;
  role: Access;
}

export const ANONYMOUS: Principal = { user: null, role: 'anonymous' };

/** Resolves the principal of a request (bearer token, session cookie); web/ provides it. */
export type Authenticate = (req: Request) => Principal | Promise<Principal>;

export interface CallContext {
  principal: Principal;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  request: Request;
  response: Response;
}

export interface CallImplementation {
  spec: CallSpec;
  handle(input: unknown, context: CallContext): unknown;
}

/** Binds a handler to its spec, type-checked against the spec's input and output. */
export function implement<S extends CallSpec<z.ZodTypeAny, unknown>>(
  spec: S,
  handle: (input: CallInput<S>, context: CallContext) => CallOutput<S> | Promise<CallOutput<S>>,
): CallImplementation {
  return { spec, handle: handle as CallImplementation['handle'] };
}

export interface ApiRouterDeps {
  implementations: readonly CallImplementation[];
  authenticate: Authenticate;
  logger: Logger;
}

/** The `/api/v1` router: one route per call, access checks, validation, problems. */
export function createApiRouter(deps: ApiRouterDeps): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '4mb' }));
  const known = new Map<string, CallImplementation>();
  for (const implementation of deps.implementations) {
    const { spec } = implementation;
    if (known.has(spec.name)) throw new Error(`API call ${spec.name} is implemented twice`);
    known.set(spec.name, implementation);
    const path = callPath(spec).slice('/api/v1'.length);
    const route = (req: Request, res: Response, next: NextFunction) =>
      runCall(implementation, deps, req, res).catch(next);
    if (spec.method === 'GET') router.get(path, route);
    else router.post(path, route);
  }
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
    const problem = bodyParseProblem(error) ?? error;
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
  if (!accessAllows(principal.role, spec.access)) {
    throw principal.user === null
      ? new AuthenticationError(
          `${spec.name} needs a logged-in user with role ${spec.access}; pass a token`,
        )
      : new PermissionError(
          `${spec.name} needs role ${spec.access}; user ${principal.user} has role ${principal.role}`,
        );
  }
  const raw = spec.method === 'GET' ? req.query : (req.body ?? {});
  const parsed = spec.input.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error, `invalid input for ${spec.name}`);
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client went away'));
  });
  const output = await implementation.handle(parsed.data, {
    principal,
    signal: controller.signal,
    request: req,
    response: res,
  });
  if (!res.headersSent) res.json(output ?? null);
}

export function sendProblem(res: Response, error: unknown, status?: number): void {
  const problem = toProblem(error);
  if (status) problem.status = status;
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function bodyParseProblem(error: unknown): AppError | undefined {
  const e = error as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') {
    return new InvalidInputError(`request body is not valid JSON: ${e.message}`);
  }
  if (e?.type === 'entity.too.large') return new InvalidInputError('request body is too large');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.type) {
    return new InvalidInputError(`bad request: ${e.message}`);
  }
  return undefined;
}
