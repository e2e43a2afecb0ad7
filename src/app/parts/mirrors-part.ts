import path from 'node:path';
import { mirrorRoutes } from '../../api/routers/mirrors-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { keepAliveGet } from '../../archive/mirrors/http-get.js';
import { Mirrors } from '../../archive/mirrors/mirrors.js';
import { MirrorsRepository } from '../../db/mirrors-repository.js';
import { createMirrorsPage } from '../../web/ui/mirrors-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ArchivePart } from './archive-part.js';

/** Mirrors: local, checked copies of apt repositories outside, published as repositories. */
export function mirrorsPart(
  ctx: AppContext,
  deps: { config: ArchiveConfig; archive: ArchivePart; pages: PageKit },
): DaemonPart {
  const mirrors = new Mirrors({
    db: ctx.db,
    store: new MirrorsRepository(ctx.db),
    config: deps.config,
    archive: deps.archive.service.archive,
    admin: deps.archive.service.admin,
    events: ctx.events,
    clock: ctx.clock,
    fetch: (input, init) => fetch(input, init),
    get: keepAliveGet(),
    cacheRoot: path.join(ctx.layout.root, 'mirrors'),
  });
  const calls = mirrorRoutes(mirrors);
  return {
    name: 'mirrors',
    calls,
    routers: [createMirrorsPage({ pages: deps.pages, calls })],
    ui: { nav: [{ href: '/mirrors', label: 'Mirrors', access: 'admin', order: 73 }] },
  };
}
