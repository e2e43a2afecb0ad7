import express from 'express';

export interface UiRouterDeps {
  /** The values shown on the front page. */
  status: () => Record<string, unknown>;
}

/** The admin web UI (server-rendered ejs). */
export function createUiRouter(deps: UiRouterDeps): express.Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    res.render('index', { title: 'debyard', status: deps.status() });
  });
  return router;
}
