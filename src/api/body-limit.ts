import type { NextFunction, Request, Response } from 'express';
import { formatByteSize } from '../config/units.js';
import { TooLargeError } from '../shared/errors.js';

/** The largest JSON body an API call takes (an armored key, a .dsc: far less). */
export const API_BODY_LIMIT = 4 * 1024 * 1024;

/** The declared size of a request's body; undefined when it is sent in chunks or absent. */
export function declaredLength(req: Request): number | undefined {
  const header = req.get('content-length');
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header);
}

/** The 413 answer's error: what was too large and what is taken. */
export function bodyTooLarge(limit: number, what: string, length?: number): TooLargeError {
  const size = length === undefined ? '' : ` (${length} bytes)`;
  return new TooLargeError(
    `the request body is too large${size}: ${what} take at most ${formatByteSize(limit)}`,
    { details: { limitBytes: limit } },
  );
}

/**
 * Refuses (through `next(error)`) a body that says it is larger than `limit` before
 * any of it is read; bodies sent in chunks are measured by the body parser as they come.
 */
export function refuseDeclaredLarge(limit: number, what: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const length = declaredLength(req);
    next(length !== undefined && length > limit ? bodyTooLarge(limit, what, length) : undefined);
  };
}

/** The 413 error of a body parser's "too large" failure (express.json, express.urlencoded). */
export function parserTooLarge(
  error: unknown,
  limit: number,
  what: string,
): TooLargeError | undefined {
  const e = error as { type?: string; length?: number };
  return e?.type === 'entity.too.large' ? bodyTooLarge(limit, what, e.length) : undefined;
}
