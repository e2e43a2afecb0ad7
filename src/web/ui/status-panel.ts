// The dashboard's daemon panel: version, identity, start and uptime.
import { formatDuration } from '../../api/specs/status.js';
import type { Clock } from '../../shared/clock.js';
import type { DashboardPanel } from './ui-types.js';

export function statusPanel(deps: {
  version: string;
  identity: string;
  startedAt: Date;
  clock: Clock;
}): DashboardPanel {
  const { version, identity, startedAt, clock } = deps;
  return {
    name: 'status',
    title: 'Daemon',
    template: 'panels/status',
    access: 'anonymous',
    order: 0,
    data: () => ({
      version,
      identity,
      startedAt: startedAt.toISOString(),
      uptime: formatDuration((clock.now().getTime() - startedAt.getTime()) / 1000),
    }),
  };
}
