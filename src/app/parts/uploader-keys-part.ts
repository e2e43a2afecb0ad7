import type { CallImplementation } from '../../api/api-router.js';
import { uploaderKeyRoutes } from '../../api/routers/uploader-keys-router.js';
import { UsersRepository } from '../../db/users-repository.js';
import type { UploaderKeys } from '../../incoming/uploader-keys.js';
import { createKeysPage } from '../../web/ui/keys-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import { createUploadersPage } from '../../web/ui/uploaders-page.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface UploaderKeysPartDeps {
  keys: UploaderKeys;
  pages: PageKit;
  /** Every call of the daemon, asked per request (pages use other parts' calls). */
  calls: () => readonly CallImplementation[];
}

/** Uploader keys: the key calls, "My keys" (login) and the uploaders page (admin). */
export function uploaderKeysPart(ctx: AppContext, deps: UploaderKeysPartDeps): DaemonPart {
  const users = new UsersRepository(ctx.db);
  const calls = uploaderKeyRoutes({
    keys: deps.keys,
    userName: (id) => users.list().find((u) => u.id === id)?.name ?? null,
  });
  return {
    name: 'uploader-keys',
    calls,
    routers: [
      createKeysPage({ pages: deps.pages, calls }),
      createUploadersPage({ pages: deps.pages, calls: deps.calls }),
    ],
    ui: {
      nav: [
        { href: '/keys', label: 'My keys', access: 'login', order: 75 },
        { href: '/uploaders', label: 'Uploaders', access: 'admin', order: 85 },
      ],
    },
  };
}
