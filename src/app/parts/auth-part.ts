import type { Authenticate } from '../../api/api-router.js';
import { tokenRoutes } from '../../api/routers/tokens-router.js';
import { userRoutes } from '../../api/routers/users-router.js';
import { SessionsRepository } from '../../db/sessions-repository.js';
import { TokensRepository } from '../../db/tokens-repository.js';
import { UsersRepository } from '../../db/users-repository.js';
import { createAuthenticator } from '../../web/auth/authenticator.js';
import { LoginGuard } from '../../web/auth/login-guard.js';
import { SessionService } from '../../web/auth/session-service.js';
import { createLoginPages } from '../../web/ui/login-pages.js';
import { PageKit } from '../../web/ui/page-kit.js';
import { createTokensPage } from '../../web/ui/tokens-page.js';
import { createUsersPage } from '../../web/ui/users-page.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface AuthPart extends DaemonPart {
  /** The API's principal resolver (bearer token or session cookie with CSRF). */
  authenticate: Authenticate;
  /** What page routers use: session principal, role guards, layout, forms. */
  pages: PageKit;
}

/** Users, API tokens, sessions and login: the auth calls, login/logout, tokens and users pages. */
export function authPart(ctx: AppContext): AuthPart {
  const { db, clock } = ctx;
  const users = new UsersRepository(db);
  const tokens = new TokensRepository(db);
  const sessionsRepository = new SessionsRepository(db);
  const sessions = new SessionService({ sessions: sessionsRepository, users, clock });
  const passwords = new LoginGuard(users);
  const pages = new PageKit(sessions, {
    identity: ctx.settings.identity,
    version: ctx.info.version,
  });
  const calls = [
    ...tokenRoutes({ users, tokens, passwords, clock }),
    ...userRoutes({ db, users, tokens, sessions: sessionsRepository, clock }),
  ];
  return {
    name: 'auth',
    calls,
    routers: [
      createLoginPages({ pages, sessions, passwords }),
      createTokensPage({ pages, calls }),
      createUsersPage({ pages, calls }),
    ],
    ui: {
      nav: [
        { href: '/tokens', label: 'Tokens', access: 'login', order: 80 },
        { href: '/users', label: 'Users', access: 'admin', order: 90 },
      ],
    },
    authenticate: createAuthenticator({ users, tokens, sessions, clock }),
    pages,
  };
}
