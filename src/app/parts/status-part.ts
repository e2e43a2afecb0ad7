import { statusRoutes } from '../../api/routers/status-router.js';
import { createUiRouter } from '../../web/ui-router.js';
import type { AppContext, DaemonPart } from '../part.js';

/** The status call and the front page. */
export function statusPart(ctx: AppContext): DaemonPart {
  const { settings, info, clock, startedAt } = ctx;
  return {
    name: 'status',
    calls: statusRoutes({ version: info.version, identity: settings.identity, startedAt, clock }),
    routers: [
      createUiRouter({
        status: () => ({
          version: info.version,
          identity: settings.identity,
          startedAt: startedAt.toISOString(),
        }),
      }),
    ],
  };
}
