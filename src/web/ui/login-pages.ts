import express, { type Request, type Response } from 'express';
import type { PasswordCheck } from '../../api/routers/tokens-router.js';
import { AppError } from '../../shared/errors.js';
import type { SessionService } from '../auth/session-service.js';
import type { PageKit } from './page-kit.js';

export interface LoginPagesDeps {
  pages: PageKit;
  sessions: SessionService;
  passwords: PasswordCheck;
}

/** GET/POST /login and POST /logout. */
export function createLoginPages(deps: LoginPagesDeps): express.Router {
  const { pages, sessions } = deps;
  const router = express.Router();
  const show = (req: Request, res: Response, extra: Record<string, unknown>, status = 200) =>
    pages.render(
      req,
      res,
      'account/login',
      { title: 'Log in', user: '', next: '/', ...extra },
      status,
    );

  router.get('/login', (req, res) => {
    const next = safeNext(req.query.next);
    if (pages.principal(req).user !== null) return res.redirect(303, next);
    show(req, res, { next });
  });

  router.post('/login', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const user = typeof body.user === 'string' ? body.user.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    if (!user || !password) {
      return show(req, res, { user, next, error: 'Enter your user name and password.' }, 400);
    }
    try {
      const account = await deps.passwords.verify(user, password, req.ip ?? 'unknown');
      if (sessions.resolve(req)) sessions.end(req, res);
      sessions.start(account, req, res);
      res.redirect(303, next);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const status = error.code === 'rate_limited' ? 429 : 401;
      show(req, res, { user, next, error: error.message }, status);
    }
  });

  router.post('/logout', (req, res) => {
    sessions.end(req, res);
    res.redirect(303, '/');
  });
  return router;
}

/** Only local paths are followed after login (no open redirect). */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}
