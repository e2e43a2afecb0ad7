/**
 * The error hierarchy of debyard. Errors are named by meaning; they are mapped to HTTP
 * statuses only in `api/` and to exit codes only in `cli/`.
 */

export type ErrorCode =
  | 'internal'
  | 'not_found'
  | 'conflict'
  | 'invalid_input'
  | 'unauthenticated'
  | 'permission'
  | 'signature'
  | 'external_command'
  | 'remote_peer'
  | 'unavailable'
  | 'rate_limited'
  | 'too_large';

/** One problem in a list of problems, e.g. one invalid field or one rejection reason. */
export interface Problem {
  /** Where the problem is: a field name, a file name, a line ("config: http", "foo.dsc:3"). */
  where?: string;
  message: string;
}

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  problems?: Problem[];
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly problems: Problem[];

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    this.problems = options.problems ?? [];
  }

  /** The message with every listed problem, one per line. */
  get fullMessage(): string {
    if (this.problems.length === 0) return this.message;
    return [this.message, ...this.problems.map((p) => `  - ${formatProblem(p)}`)].join('\n');
  }
}

export function formatProblem(problem: Problem): string {
  return problem.where ? `${problem.where}: ${problem.message}` : problem.message;
}

export class NotFoundError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('not_found', message, options);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('conflict', message, options);
  }
}

export class InvalidInputError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('invalid_input', message, options);
  }
}

/** No (valid) credentials were presented. */
export class AuthenticationError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('unauthenticated', message, options);
  }
}

/** Credentials are valid but do not allow the action. */
export class PermissionError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('permission', message, options);
  }
}

export class SignatureError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('signature', message, options);
  }
}

export interface ExternalCommandDetails {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: string | null;
  /** The last lines of the command's standard error, for the message. */
  stderrTail?: string;
}

export class ExternalCommandError extends AppError {
  readonly command: ExternalCommandDetails;

  constructor(message: string, command: ExternalCommandDetails, options?: AppErrorOptions) {
    super('external_command', message, {
      ...options,
      details: { ...options?.details, ...command },
    });
    this.command = command;
  }
}

export class RemotePeerError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('remote_peer', message, options);
  }
}

/** A service is temporarily unable to act (paused, shutting down, busy). */
export class UnavailableError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('unavailable', message, options);
  }
}

/** Too many attempts (failed logins); `details.retryAfterSeconds` says when to try again. */
export class TooManyRequestsError extends AppError {
  constructor(message: string, retryAfterSeconds: number, options?: AppErrorOptions) {
    super('rate_limited', message, {
      ...options,
      details: { ...options?.details, retryAfterSeconds },
    });
  }
}

/** Input larger than what is taken (a request body, a file); says the limit. */
export class TooLargeError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('too_large', message, options);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Wraps anything thrown into an AppError, keeping the original as the cause. */
export function toAppError(error: unknown, fallbackMessage = 'internal error'): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('internal', message || fallbackMessage, { cause: error });
}

/** The chain of messages of an error and its causes, for logs and CLI output. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current != null && depth < 8; depth++) {
    if (current instanceof AppError) parts.push(current.fullMessage);
    else if (current instanceof Error) parts.push(current.message);
    else parts.push(String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': caused by: ');
}
