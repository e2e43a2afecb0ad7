import { ZodError } from 'zod';
import {
  AppError,
  InvalidInputError,
  toAppError,
  type ErrorCode,
  type Problem,
} from '../shared/errors.js';

/** An RFC 7807 problem document, as debyard sends it. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  problems?: Problem[];
  details?: Record<string, unknown>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The single mapping from error meaning to HTTP status. */
const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  permission: 403,
  not_found: 404,
  conflict: 409,
  signature: 422,
  internal: 500,
  external_command: 500,
  remote_peer: 502,
  unavailable: 503,
  rate_limited: 429,
  too_large: 413,
};

const TITLE: Record<ErrorCode, string> = {
  invalid_input: 'Invalid input',
  unauthenticated: 'Authentication required',
  permission: 'Permission denied',
  not_found: 'Not found',
  conflict: 'Conflict',
  signature: 'Signature problem',
  internal: 'Internal error',
  external_command: 'External command failed',
  remote_peer: 'Remote peer failed',
  unavailable: 'Unavailable',
  rate_limited: 'Too many requests',
  too_large: 'Content too large',
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code];
}

export function toProblem(error: unknown): ProblemDocument {
  const appError = error instanceof ZodError ? fromZodError(error) : toAppError(error);
  const detail = appError.problems.length
    ? `${appError.message}: ${appError.problems.map((p) => (p.where ? `${p.where}: ${p.message}` : p.message)).join('; ')}`
    : appError.message;
  const document: ProblemDocument = {
    type: `urn:debyard:problem:${appError.code}`,
    title: TITLE[appError.code],
    status: STATUS[appError.code],
    detail,
    code: appError.code,
  };
  if (appError.problems.length) document.problems = appError.problems;
  if (Object.keys(appError.details).length && appError.code !== 'internal') {
    document.details = appError.details;
  }
  return document;
}

/** Turns a received problem document back into the matching AppError. */
export function fromProblem(document: Partial<ProblemDocument>, status: number): AppError {
  const code = (
    document.code && document.code in STATUS ? document.code : codeOfStatus(status)
  ) as ErrorCode;
  return new AppError(code, document.detail ?? document.title ?? `HTTP ${status}`, {
    problems: document.problems ?? [],
    details: document.details ?? {},
  });
}

export function fromZodError(error: ZodError, prefix = 'invalid input'): InvalidInputError {
  return new InvalidInputError(prefix, {
    problems: error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({
            where: [...issue.path, key].join('.'),
            message: 'unknown parameter',
          }))
        : [{ where: issue.path.length ? issue.path.join('.') : undefined, message: issue.message }],
    ),
    cause: error,
  });
}

function codeOfStatus(status: number): ErrorCode {
  const match = Object.entries(STATUS).find(([, s]) => s === status);
  return (match?.[0] as ErrorCode | undefined) ?? 'internal';
}
