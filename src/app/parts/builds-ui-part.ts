import { createBuildPage } from '../../web/ui/build-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { DaemonPart } from '../part.js';
import type { SchedulerPart } from './scheduler-part.js';

/** The build page: a build with its log, followed live while it runs. */
export function buildsUiPart(deps: { scheduler: SchedulerPart; pages: PageKit }): DaemonPart {
  const { scheduler } = deps.scheduler;
  return {
    name: 'builds-ui',
    routers: [createBuildPage({ pages: deps.pages, build: (id) => scheduler.build(id) })],
  };
}
