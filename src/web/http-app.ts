import express, { type Router } from 'express';
import type { Logger } from '../shared/logger.js';

export interface HttpAppDeps {
  apiRouter: Router;
  /** Mounted after the API, before the other routers (static files, CSRF, layout). */
  frame?: Router;
  /** Routers mounted at `/` after the API (repositories, web UI). */
  routers: readonly Router[];
  templatesDir: string;
  logger: Logger;
}

/** The express app: API under /api/v1, then the other routers, then 404. */
export function createHttpApp(deps: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // A list, so that ejs looks up a page's includes (`partials/head`) from the top of
  // templates/ too, not only beside the page (in its family's folder).
  app.set('views', [deps.templatesDir]);
  app.set('view engine', 'ejs');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  app.use('/api/v1', deps.apiRouter);
  if (deps.frame) app.use(deps.frame);
  for (const router of deps.routers) app.use(router);
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`Not found: ${req.path}\n`);
  });
  app.use(
    (error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      deps.logger.error('HTTP request failed', { err: error });
      if (!res.headersSent)
        res.status(500).type('text/plain').send('Internal error; see the daemon log\n');
    },
  );
  return app;
}
