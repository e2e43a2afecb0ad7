import type { Request, Response } from 'express';
import { randomSecret, secretsEqual } from '../../shared/passwords.js';
import { CSRF_COOKIE, readCookie, setCookie } from './cookies.js';
import type { ActiveSession } from './session-service.js';

/** The form field and the header (for script and API requests) carrying the token. */
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The CSRF token a page embeds in its forms: the session's own token (synchronizer
 * pattern), or for visitors without a session a random value also kept in a
 * SameSite=Strict cookie (double submit), which is what protects the login form.
 */
export function csrfTokenFor(req: Request, res: Response, active: ActiveSession | null): string {
  if (active) return active.session.csrfToken;
  const existing = readCookie(req, CSRF_COOKIE);
  if (existing && existing.length >= 32) return existing;
  const token = randomSecret(32);
  setCookie(req, res, CSRF_COOKIE, token, { sameSite: 'strict' });
  return token;
}

/** Whether an unsafe request carries the token that belongs to it. */
export function csrfValid(
  req: Request,
  active: ActiveSession | null,
  presented: string | undefined,
): boolean {
  const expected = active ? active.session.csrfToken : readCookie(req, CSRF_COOKIE);
  return !!expected && !!presented && secretsEqual(presented, expected);
}

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
