import { statusRoutes } from '../../api/routers/status-router.js';
import { formatDuration, type StatusOutput } from '../../api/specs/status.js';
import type { AppContext, DaemonPart } from '../part.js';

/** The status call and the dashboard's daemon panel. */
export function statusPart(
  ctx: AppContext,
  builds: () => Pick<StatusOutput, 'load' | 'builders' | 'queue'>,
): DaemonPart {
  const { settings, info, clock, startedAt } = ctx;
  return {
    name: 'status',
    calls: statusRoutes({
      version: info.version,
      identity: settings.identity,
      startedAt,
      clock,
      builds,
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
