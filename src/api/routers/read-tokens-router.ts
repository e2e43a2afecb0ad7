import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { ReadToken } from '../../archive/read-token-records.js';
import type { ReadTokensRepository } from '../../db/read-tokens-repository.js';
import type { Clock } from '../../shared/clock.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { randomSecret, secretDigest } from '../../shared/passwords.js';
import { parseWhen } from '../../shared/when.js';
import { implement, type CallImplementation } from '../api-router.js';
import {
  readTokenCreateCall,
  readTokenRevokeCall,
  readTokensCall,
  type CreatedReadToken,
  type ReadTokenView,
} from '../specs/read-tokens.js';
import { baseUrl } from './archive-router.js';

export interface ReadTokensRouterDeps {
  tokens: ReadTokensRepository;
  config: Pick<ArchiveConfig, 'hasRepository' | 'repository'>;
  clock: Clock;
  /** Base URL clients reach the daemon at; null: the request's. */
  publicUrl: string | null;
}

/** The login of a read token in HTTP basic auth: `read-<id>` (web/auth/read-access.ts). */
const loginOf = (id: number) => `read-${id}`;

/** read_token_create, read_tokens, read_token_revoke: the keys to private repositories. */
export function readTokenRoutes(deps: ReadTokensRouterDeps): CallImplementation[] {
  const { tokens, clock } = deps;
  return [
    implement(readTokenCreateCall, (input, { principal, request }) => {
      const repository = privateRepository(deps, input.repo);
      const now = clock.now();
      const password = randomSecret(32);
      const token = tokens.create({
        repository,
        name: input.name,
        digest: secretDigest(password),
        createdAt: now,
        createdBy: principal.user,
        expiresAt: input.expires ? parseWhen(input.expires, now, 'expires') : null,
      });
      const base = baseUrl(deps.publicUrl, request);
      const created: CreatedReadToken = {
        ...view(token),
        password,
        authConfFile: `/etc/apt/auth.conf.d/debyard-${repository}.conf`,
        // With its scheme: apt applies an entry without one to https only.
        authConf: `machine ${base}/repos/${repository}/ login ${loginOf(token.id)} password ${password}\n`,
      };
      return created;
    }),
    implement(readTokensCall, (input) => tokens.list(input.repo).map(view)),
    implement(readTokenRevokeCall, ({ id }) => {
      const token = tokens.get(id);
      if (!token) throw new NotFoundError(`there is no read token ${id}; see debyard read-tokens`);
      if (token.revokedAt !== null) {
        throw new InvalidInputError(`read token ${id} was revoked at ${token.revokedAt} already`);
      }
      tokens.revoke(id, clock.now());
      return view(tokens.get(id)!);
    }),
  ];
}

function privateRepository(deps: ReadTokensRouterDeps, id: string): string {
  if (!deps.config.hasRepository(id)) {
    throw new NotFoundError(`there is no repository "${id}"; see debyard repositories`);
  }
  if (!deps.config.repository(id).private) {
    throw new InvalidInputError(
      `repository ${id} is public: anyone reads it without a token; make it private first: debyard repository-update ${id} --private`,
    );
  }
  return id;
}

function view(token: ReadToken): ReadTokenView {
  const { digest: _digest, ...rest } = token;
  return { ...rest, login: loginOf(token.id) };
}
