import express from 'express';

export interface MetricsRouterDeps {
  /** The metrics in Prometheus' text format. */
  text: () => Promise<string>;
  contentType: string;
}

/** `GET /metrics` for Prometheus (anonymous, like the status call). */
export function createMetricsRouter(deps: MetricsRouterDeps): express.Router {
  const router = express.Router();
  router.get('/metrics', (_req, res, next) => {
    deps
      .text()
      .then((text) => res.set('Cache-Control', 'no-store').type(deps.contentType).send(text))
      .catch(next);
  });
  return router;
}
