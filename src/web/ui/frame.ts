import express from 'express';
import type { PageKit } from './page-kit.js';
import type { NavItem } from './ui-types.js';

export interface UiFrameDeps {
  pages: PageKit;
  nav: readonly NavItem[];
  staticDir: string;
}

/**
 * Runs before every router but the API: static files under /static, form bodies, the
 * CSRF check of every unsafe request, and the navigation for the layout.
 */
export function createUiFrame(deps: UiFrameDeps): express.Router {
  const router = express.Router();
  const nav = [...deps.nav].sort((a, b) => a.order - b.order);
  router.use('/static', express.static(deps.staticDir, { index: false, maxAge: '1h' }));
  router.use((_req, res, next) => {
    res.locals.nav = nav;
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  router.use(deps.pages.csrfGuard());
  return router;
}
