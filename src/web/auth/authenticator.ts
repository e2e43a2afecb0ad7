import type { Request } from 'express';
import { ANONYMOUS, type Authenticate, type Principal } from '../../api/api-router.js';
import type { TokensRepository } from '../../db/tokens-repository.js';
import type { UsersRepository } from '../../db/users-repository.js';
import type { User } from '../../api/user-records.js';
import type { Clock } from '../../shared/clock.js';
import { AuthenticationError, PermissionError } from '../../shared/errors.js';
import { secretDigest } from '../../shared/passwords.js';
import { CSRF_HEADER, csrfValid, SAFE_METHODS } from './csrf.js';
import type { SessionService } from './session-service.js';

export interface AuthenticatorDeps {
  users: UsersRepository;
  tokens: TokensRepository;
  sessions: SessionService;
  clock: Clock;
}

/**
 * The API's principal resolver: a bearer token (CLI, scripts), else the session cookie
 * (web UI), whose unsafe requests must also carry the session's CSRF token in the
 * X-CSRF-Token header. No credentials: anonymous. Bad credentials: 401.
 */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  return (req: Request): Principal => {
    const header = req.get('authorization');
    if (header !== undefined) return fromBearer(deps, header);
    const active = deps.sessions.resolve(req);
    if (!active) return ANONYMOUS;
    if (!SAFE_METHODS.has(req.method) && !csrfValid(req, active, req.get(CSRF_HEADER))) {
      throw new PermissionError(
        'missing or wrong CSRF token: a request authenticated by the session cookie must send the X-CSRF-Token header of the page',
      );
    }
    return principalOf(active.user, 'session');
  };
}

function fromBearer(deps: AuthenticatorDeps, header: string): Principal {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new AuthenticationError('the Authorization header must be "Bearer <token>"');
  }
  const token = deps.tokens.findByDigest(secretDigest(match[1]!));
  if (!token) {
    throw new AuthenticationError(
      'the API token is not valid (revoked or mistyped); run debyard login',
    );
  }
  const now = deps.clock.now();
  if (token.expiresAt && new Date(token.expiresAt) <= now) {
    throw new AuthenticationError(
      `the API token "${token.name}" expired at ${token.expiresAt}; run debyard login`,
    );
  }
  const user = deps.users.get(token.userId);
  if (user.disabled) throw new AuthenticationError(`user ${user.name} is disabled; ask an admin`);
  deps.tokens.touch(token.id, now);
  return { ...principalOf(user, 'token'), tokenId: token.id };
}

export function principalOf(user: User, via: 'token' | 'session'): Principal {
  return { user: user.name, role: user.role, userId: user.id, via };
}
