import type { TokensRepository } from '../../db/tokens-repository.js';
import type { ApiToken } from '../user-records.js';
import type { UsersRepository } from '../../db/users-repository.js';
import type { User } from '../user-records.js';
import type { Clock } from '../../shared/clock.js';
import { AuthenticationError, NotFoundError } from '../../shared/errors.js';
import { randomSecret, secretDigest } from '../../shared/passwords.js';
import { implement, type CallImplementation, type Principal } from '../api-router.js';
import {
  tokenCreateCall,
  tokenRevokeCall,
  tokensCall,
  whoamiCall,
  type CreatedToken,
  type TokenView,
} from '../specs/tokens.js';

/** Password login, rate limited; web/ implements it. */
export interface PasswordCheck {
  /** The enabled user with this name and password; throws 401, or 429 after many failures. */
  verify(name: string, password: string, ip: string): Promise<User>;
}

export interface TokensRouterDeps {
  users: UsersRepository;
  tokens: TokensRepository;
  passwords: PasswordCheck;
  clock: Clock;
}

/** Every token starts with this, so that leaked ones are easy to grep for. */
export const TOKEN_PREFIX = 'dby_';

export function tokenRoutes(deps: TokensRouterDeps): CallImplementation[] {
  const { users, tokens, clock } = deps;
  return [
    implement(whoamiCall, (_input, { principal }) => ({
      user: principal.user!,
      role: principal.role,
      via: principal.via ?? 'token',
      tokenId: principal.tokenId ?? null,
    })),
    implement(tokenCreateCall, async (input, { principal, request }) => {
      const user =
        input.user !== undefined && input.password !== undefined
          ? await deps.passwords.verify(input.user, input.password, request.ip ?? 'unknown')
          : loggedInUser(users, principal);
      const now = clock.now();
      const secret = `${TOKEN_PREFIX}${randomSecret(32)}`;
      const expiresAt = input.expires_days
        ? new Date(now.getTime() + input.expires_days * 86_400_000)
        : null;
      const token = tokens.create({
        userId: user.id,
        name: input.name,
        digest: secretDigest(secret),
        prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
        createdAt: now,
        expiresAt,
      });
      const created: CreatedToken = { ...tokenView(token), user: user.name, token: secret };
      return created;
    }),
    implement(tokensCall, (_input, { principal }) =>
      tokens.listForUser(loggedInUser(users, principal).id).map(tokenView),
    ),
    implement(tokenRevokeCall, ({ id }, { principal }) => {
      const token = tokens.get(id);
      if (!token || token.userId !== loggedInUser(users, principal).id) {
        throw new NotFoundError(`you have no token ${id}; see debyard tokens`);
      }
      tokens.delete(id);
      return { revoked: id };
    }),
  ];
}

function loggedInUser(users: UsersRepository, principal: Principal): User {
  const user = principal.user === null ? undefined : users.findByName(principal.user);
  if (!user) {
    throw new AuthenticationError(
      'token_create needs a user and password, or a logged-in user (pass --token)',
    );
  }
  return user;
}

export function tokenView(token: ApiToken): TokenView {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
  };
}
