import { statusRoutes } from '../../api/routers/status-router.js';
import type { StatusOutput } from '../../api/specs/status.js';
import type { IncomingStateView } from '../../api/specs/incoming.js';
import { statusPanel } from '../../web/ui/status-panel.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface StatusPartDeps {
  /** The builders and the queue (the scheduler's overview). */
  builds: () => Pick<StatusOutput, 'load' | 'builders' | 'queue'>;
  /** The incoming's pause state; asked on each call (the incoming is built later). */
  incoming?: () => IncomingStateView;
}

/** The status call and the dashboard's daemon panel. */
export function statusPart(ctx: AppContext, deps: StatusPartDeps): DaemonPart {
  const { settings, info, clock, startedAt } = ctx;
  return {
    name: 'status',
    calls: statusRoutes({
      version: info.version,
      identity: settings.identity,
      startedAt,
      clock,
      builds: deps.builds,
      incoming: deps.incoming,
    }),
    ui: {
      panels: [
        statusPanel({ version: info.version, identity: settings.identity, startedAt, clock }),
      ],
    },
  };
}
