import { hiddenRepositories } from '../../api/hidden-repositories.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { NotFoundError } from '../../shared/errors.js';
import { createBuildPage } from '../../web/ui/build-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { DaemonPart } from '../part.js';
import type { SchedulerPart } from './scheduler-part.js';

/** The build page: a build with its log, followed live while it runs. */
export function buildsUiPart(deps: {
  scheduler: SchedulerPart;
  pages: PageKit;
  config: Pick<ArchiveConfig, 'repositories'>;
}): DaemonPart {
  const { scheduler } = deps.scheduler;
  return {
    name: 'builds-ui',
    routers: [
      createBuildPage({
        pages: deps.pages,
        build: (id, principal) => {
          const build = scheduler.build(id);
          // A build of a private repository is, to an anonymous visitor, a missing one.
          if (hiddenRepositories(deps.config, principal).has(build.repository)) {
            throw new NotFoundError(`there is no build ${id}`);
          }
          return build;
        },
      }),
    ],
  };
}
