import express, { type NextFunction, type Request, type Response } from 'express';
import { parserTooLarge, refuseDeclaredLarge } from '../../api/body-limit.js';
import { TooLargeError } from '../../shared/errors.js';
import type { PageKit } from './page-kit.js';
import type { NavItem } from './ui-types.js';

export interface UiFrameDeps {
  pages: PageKit;
  nav: readonly NavItem[];
  staticDir: string;
}

/** The largest body a web form may send (its fields are short: names, a password, a comment). */
export const FORM_BODY_LIMIT = 64 * 1024;

/**
 * Runs before every router but the API: static files under /static, form bodies, the
 * CSRF check of every unsafe request, and the navigation for the layout. A body larger
 * than FORM_BODY_LIMIT gets a 413 page, whatever the route.
 */
export function createUiFrame(deps: UiFrameDeps): express.Router {
  const router = express.Router();
  const nav = [...deps.nav].sort((a, b) => a.order - b.order);
  router.use('/static', express.static(deps.staticDir, { index: false, maxAge: '1h' }));
  router.use((_req, res, next) => {
    res.locals.nav = nav;
    next();
  });
  const forms = 'requests to the web UI';
  router.use(refuseDeclaredLarge(FORM_BODY_LIMIT, forms));
  router.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT }));
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    const tooLarge = parserTooLarge(error, FORM_BODY_LIMIT, forms) ?? error;
    if (tooLarge instanceof TooLargeError) {
      const message = `${tooLarge.message}. Go back and shorten what you entered.`;
      return deps.pages.render(
        req,
        res,
        'site/error',
        { title: 'Request too large', message },
        413,
      );
    }
    // The body parser's other refusals (too many fields, an unknown charset).
    const e = error as { type?: string; status?: number; message?: string };
    if (!e?.type || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) {
      return next(error);
    }
    const message = `The form could not be read: ${e.message ?? e.type}.`;
    deps.pages.render(req, res, 'site/error', { title: 'Form refused', message }, e.status);
  });
  router.use(deps.pages.csrfGuard());
  return router;
}
