import type { ArchiveConfig } from '../../archive/archive-config.js';
import { uploadRoutes } from '../../api/routers/uploads-router.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import { createUploadsPage } from '../../web/ui/uploads-page.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { IncomingPart } from './incoming-part.js';
import type { SchedulerPart } from './scheduler-part.js';

/** The uploads calls and pages: what the incoming took or rejected, and what became of it. */
export function uploadsPart(
  ctx: AppContext,
  deps: {
    incoming: IncomingPart;
    scheduler: SchedulerPart;
    pages: PageKit;
    config: Pick<ArchiveConfig, 'repositories'>;
  },
): DaemonPart {
  const { scheduler } = deps.scheduler;
  const calls = uploadRoutes({
    uploads: deps.incoming.uploads,
    builds: (uploadId) => scheduler.list({ uploadId, limit: 1000 }),
    events: (uploadId) => ctx.events.list({ uploadId, limit: 1000 }),
    config: deps.config,
  });
  return {
    name: 'uploads',
    calls,
    routers: [createUploadsPage({ pages: deps.pages, calls })],
    ui: { nav: [{ href: '/uploads', label: 'Uploads', access: 'anonymous', order: 15 }] },
  };
}
