import { statusRoutes } from '../../api/routers/status-router.js';
import { formatDuration, type StatusOutput } from '../../api/specs/status.js';
import type { IncomingStateView } from '../../api/specs/incoming.js';
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
        {
          name: 'status',
          title: 'Daemon',
          template: 'panels/status',
          access: 'anonymous',
          order: 0,
          data: () => ({
            version: info.version,
            identity: settings.identity,
            startedAt: startedAt.toISOString(),
            uptime: formatDuration((clock.now().getTime() - startedAt.getTime()) / 1000),
          }),
        },
      ],
    },
  };
}
