import type { CallImplementation } from '../../api/api-router.js';
import { repositoryRoutes } from '../../api/routers/repositories-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { createInstallPage } from '../../web/ui/install-page.js';
import { createLayoutsPage } from '../../web/ui/layouts-page.js';
import { createPackagesPage } from '../../web/ui/packages-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import { createRepositoriesPage } from '../../web/ui/repositories-page.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ArchivePart } from './archive-part.js';

export interface ArchiveAdminPartDeps {
  config: ArchiveConfig;
  archive: ArchivePart;
  pages: PageKit;
  /** Every call of the daemon, asked per request (pages use other parts' calls). */
  calls: () => readonly CallImplementation[];
}

/**
 * The archive's configuration calls (repositories, distributions, layouts, reindex) and
 * the archive's pages: packages, repositories, layouts and the public install page.
 */
export function archiveAdminPart(ctx: AppContext, deps: ArchiveAdminPartDeps): DaemonPart {
  const { pages, calls } = deps;
  const { service } = deps.archive;
  const keyFingerprint = () => {
    try {
      return deps.archive.signer().key.fingerprint.toUpperCase();
    } catch {
      return null;
    }
  };
  return {
    name: 'archive-admin',
    calls: repositoryRoutes({
      config: deps.config,
      admin: service.admin,
      placementCounts: (repository) => service.queries.placementCounts(repository),
    }),
    routers: [
      createPackagesPage({
        pages,
        calls,
        sourceFiles: (repo, source, version) => service.queries.sourceFiles(repo, source, version),
        binaryDetails: (repo, source, version) =>
          service.queries.binaryDetails(repo, source, version),
      }),
      createRepositoriesPage({ pages, calls, keyFingerprint }),
      createLayoutsPage({ pages, calls }),
      createInstallPage({
        pages,
        config: deps.config,
        keyFingerprint,
        previousKeys: () => {
          try {
            return deps.archive
              .keys()
              .list()
              .filter((k) => k.state === 'retiring')
              .map((k) => ({
                fingerprint: k.info.fingerprint,
                retireAt: k.retireAt?.toISOString() ?? null,
              }));
          } catch {
            return []; // not loaded yet
          }
        },
        packagesIn: (dist) => service.queries.binaryNamesIn(dist, 20),
        identity: ctx.settings.identity,
        publicUrl: ctx.settings.http.publicUrl,
      }),
    ],
    ui: {
      nav: [
        { href: '/packages', label: 'Packages', access: 'anonymous', order: 20 },
        { href: '/repositories', label: 'Repositories', access: 'anonymous', order: 30 },
        { href: '/layouts', label: 'Layouts', access: 'admin', order: 40 },
      ],
    },
  };
}
