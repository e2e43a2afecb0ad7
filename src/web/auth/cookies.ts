import { parseCookie, stringifySetCookie } from 'cookie';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'debyard_session';
/** Holds the CSRF token of visitors without a session (the login form). */
export const CSRF_COOKIE = 'debyard_csrf';

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookie(header)[name] : undefined;
}

/** An httpOnly cookie for the whole site; Secure when the request came over HTTPS. */
export function setCookie(
  req: Request,
  res: Response,
  name: string,
  value: string,
  options: { maxAgeSeconds?: number; sameSite: 'strict' | 'lax' },
): void {
  res.append(
    'Set-Cookie',
    stringifySetCookie(name, value, {
      httpOnly: true,
      sameSite: options.sameSite,
      secure: req.secure,
      path: '/',
      maxAge: options.maxAgeSeconds,
    }),
  );
}

export function clearCookie(req: Request, res: Response, name: string): void {
  setCookie(req, res, name, '', { maxAgeSeconds: 0, sameSite: 'lax' });
}
