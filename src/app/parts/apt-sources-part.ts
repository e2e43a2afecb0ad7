import { aptSourceRoutes } from '../../api/routers/apt-sources-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { ExtraSources } from '../../archive/extra-sources/extra-sources.js';
import { ExtraSourcesRepository } from '../../db/extra-sources-repository.js';
import { createAptSourcesPage } from '../../web/ui/apt-sources-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface AptSourcesPart extends DaemonPart {
  sources: ExtraSources;
}

/** Extra apt sources: apt repositories outside the daemon that builds take build-deps from. */
export function aptSourcesPart(
  ctx: AppContext,
  deps: { config: ArchiveConfig; pages: PageKit },
): AptSourcesPart {
  const sources = new ExtraSources({
    db: ctx.db,
    store: new ExtraSourcesRepository(ctx.db),
    events: ctx.events,
    clock: ctx.clock,
    checkDistribution: (name) => void deps.config.resolve(name),
    fetch: (input, init) => fetch(input, init),
  });
  const calls = aptSourceRoutes(sources);
  return {
    name: 'apt-sources',
    sources,
    calls,
    routers: [createAptSourcesPage({ pages: deps.pages, calls })],
    ui: { nav: [{ href: '/apt-sources', label: 'Apt sources', access: 'admin', order: 72 }] },
  };
}
