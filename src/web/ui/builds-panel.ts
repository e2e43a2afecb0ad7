// The dashboard's builds panel: the builders with their load, the queue in its order and
// the recent builds; it reloads itself on every event (with JavaScript).
import { summary } from '../../api/routers/builds-router.js';
import type { Principal } from '../../api/api-router.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import type { DashboardPanel } from './ui-types.js';

export function buildsPanel(deps: {
  scheduler: Pick<Scheduler, 'overview' | 'list'>;
  latestEventId: () => number;
  /** The repositories whose builds the visitor may not see (private ones, anonymously). */
  hiddenRepositories: (principal: Principal) => readonly string[];
}): DashboardPanel {
  return {
    name: 'builds',
    title: 'Builds',
    template: 'panels/builds',
    access: 'anonymous',
    order: 10,
    data: (_req, principal) => ({
      ...queuePanel(deps.scheduler, deps.hiddenRepositories(principal)),
      // Any event may change the queue: the panel reloads itself on each (with JS).
      streamUrl: `/api/v1/events?follow=true&after=${deps.latestEventId()}`,
    }),
  };
}

/** The dashboard panel: builders with their load, the queue in its order, recent builds. */
function queuePanel(
  scheduler: Pick<Scheduler, 'overview' | 'list'>,
  excludeRepositories: readonly string[],
): Record<string, unknown> {
  const overview = scheduler.overview();
  const open = scheduler
    .list({ states: ['QUEUED', 'BUILDING', 'DEPWAIT'], excludeRepositories, limit: 50 })
    .map(summary);
  const building = open.filter((b) => b.state === 'BUILDING').sort((a, b) => a.id - b.id);
  const queued = open
    .filter((b) => b.state === 'QUEUED')
    .sort((a, b) => b.priority - a.priority || a.id - b.id);
  const depwait = open.filter((b) => b.state === 'DEPWAIT').sort((a, b) => a.id - b.id);
  const recent = scheduler
    .list({ states: ['BUILT', 'FAILED', 'CANCELLED'], excludeRepositories, limit: 10 })
    .map(summary);
  return { overview, open: [...building, ...queued, ...depwait], recent };
}
