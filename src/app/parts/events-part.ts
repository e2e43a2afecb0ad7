import { hiddenEvents } from '../../api/hidden-repositories.js';
import { eventRoutes } from '../../api/routers/events-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { createEventsPage, liveEventsUrl } from '../../web/ui/events-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { AppContext, DaemonPart } from '../part.js';

/** The events call (list and live stream), the events page and the dashboard's event panel. */
export function eventsPart(
  ctx: AppContext,
  deps: { pages: PageKit; config: Pick<ArchiveConfig, 'repositories'> },
): DaemonPart {
  const { pages, config } = deps;
  const calls = eventRoutes({ events: ctx.events, config });
  return {
    name: 'events',
    calls,
    routers: [createEventsPage({ pages, calls })],
    ui: {
      nav: [{ href: '/events', label: 'Events', access: 'anonymous', order: 10 }],
      panels: [
        {
          name: 'events',
          title: 'Latest events',
          template: 'panels/events',
          access: 'anonymous',
          order: 100,
          data: (_req, principal) => {
            const events = ctx.events.list({ limit: 15, ...hiddenEvents(config, principal) });
            return { events, streamUrl: liveEventsUrl(events), limit: 15 };
          },
        },
      ],
    },
  };
}
