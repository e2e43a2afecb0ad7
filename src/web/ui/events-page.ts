import express from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import { eventsCall } from '../../api/specs/events.js';
import { EVENT_TYPES, type StoredEvent } from '../../events/event.js';
import { formInput, type PageKit } from './page-kit.js';

export interface EventsPageDeps {
  pages: PageKit;
  calls: readonly CallImplementation[];
}

const FILTERS = ['type', 'source', 'distribution', 'upload', 'build', 'before', 'limit'] as const;

/** GET /events: the event list with filters; the first page updates live. */
export function createEventsPage(deps: EventsPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  router.get('/events', async (req, res) => {
    const filters = formInput(req.query, FILTERS);
    const result = await pages.attempt(calls, eventsCall, filters, req, res);
    const events = result.ok ? result.output : [];
    const last = events.at(-1);
    const limit = Number(filters.limit ?? 50);
    pages.render(
      req,
      res,
      'uploads/events',
      {
        title: 'Events',
        types: EVENT_TYPES,
        filters,
        events,
        error: result.ok ? null : result.problem.detail,
        streamUrl:
          result.ok && filters.before === undefined ? liveEventsUrl(events, filters) : null,
        olderUrl:
          last && events.length >= limit
            ? `/events?${query({ ...filters, before: last.id })}`
            : null,
      },
      result.ok ? 200 : result.problem.status,
    );
  });
  return router;
}

/** The stream continuing a list shown newest first: everything after its newest event. */
export function liveEventsUrl(
  events: readonly StoredEvent[],
  filters: Record<string, unknown> = {},
): string {
  const { before: _before, limit: _limit, ...rest } = filters;
  return `/api/v1/events?${query({ ...rest, follow: 'true', after: events[0]?.id ?? 0 })}`;
}

function query(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null) params.append(key, String(value));
  }
  return params.toString();
}
