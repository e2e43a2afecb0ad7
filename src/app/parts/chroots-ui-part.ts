import { chrootView } from '../../api/routers/chroots-router.js';
import { chrootsPanel, createChrootsPage } from '../../web/ui/chroots-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ChrootsPart } from './chroots-part.js';

/** The chroots admin page and the dashboard's chroots panel with progress bars. */
export function chrootsUiPart(
  ctx: AppContext,
  deps: { chroots: ChrootsPart; pages: PageKit },
): DaemonPart {
  const latestEventId = () => ctx.events.list({ limit: 1 })[0]?.id ?? 0;
  return {
    name: 'chroots-ui',
    routers: [
      createChrootsPage({ pages: deps.pages, calls: deps.chroots.calls ?? [], latestEventId }),
    ],
    ui: {
      nav: [{ href: '/chroots', label: 'Chroots', access: 'admin', order: 60 }],
      panels: [
        chrootsPanel({ list: () => deps.chroots.chroots.list().map(chrootView), latestEventId }),
      ],
    },
  };
}
