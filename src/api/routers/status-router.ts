import type { Clock } from '../../shared/clock.js';
import { implement, type CallImplementation } from '../api-router.js';
import type { IncomingStateView } from '../specs/incoming.js';
import { statusCall, type StatusOutput } from '../specs/status.js';

export interface StatusRouterDeps {
  version: string;
  identity: string;
  startedAt: Date;
  clock: Clock;
  /** The builders and the queue (the scheduler's overview). */
  builds: () => Pick<StatusOutput, 'load' | 'builders' | 'queue'>;
  /** The incoming's state (open until the incoming is wired in). */
  incoming?: () => IncomingStateView;
}

const OPEN: IncomingStateView = { paused: false, since: null, by: null, reason: null };

export function statusRoutes(deps: StatusRouterDeps): CallImplementation[] {
  return [
    implement(statusCall, () => ({
      name: 'debyard' as const,
      version: deps.version,
      identity: deps.identity,
      startedAt: deps.startedAt.toISOString(),
      uptimeSeconds: Math.floor((deps.clock.now().getTime() - deps.startedAt.getTime()) / 1000),
      ...deps.builds(),
      incoming: deps.incoming?.() ?? OPEN,
    })),
  ];
}
