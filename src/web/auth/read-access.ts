import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { ReadToken } from '../../archive/read-token-records.js';
import type { Clock } from '../../shared/clock.js';
import { secretDigest, secretsEqual } from '../../shared/passwords.js';

/** The login of a read token in HTTP basic auth (apt's auth.conf.d): `read-<id>`. */
export const readTokenLogin = (id: number) => `read-${id}`;

export interface ReadAccessDeps {
  /** Whether a repository exists and is public (then anyone reads it). */
  isPublic: (repository: string) => boolean;
  tokens: { get(id: number): ReadToken | undefined; touch(id: number, at: Date): void };
  clock: Clock;
  /** Failed attempts per client address within `windowSeconds` before it gets 429. */
  limits?: { failures: number; windowSeconds: number };
}

export type ReadDecision =
  { ok: true } | { ok: false; status: 401 } | { ok: false; status: 429; retryAfterSeconds: number };

export const DEFAULT_READ_LIMITS = { failures: 20, windowSeconds: 60 };

/**
 * Who may read `/repos/<repo>/`: anyone a public repository; a private one only a
 * request with HTTP basic auth of a live read token of that repository (not revoked,
 * not expired: looked up on every request, so a revocation holds at once). Anything
 * else under a name that is not a public repository gets the same 401, whether the
 * repository is private or does not exist. Secrets are compared as SHA-256 digests in
 * constant time; an address with too many failures gets 429 until its window passes.
 */
export class ReadAccess {
  private readonly failures: RateLimiterMemory;
  private readonly limit: number;

  constructor(private readonly deps: ReadAccessDeps) {
    const limits = deps.limits ?? DEFAULT_READ_LIMITS;
    this.limit = limits.failures;
    this.failures = new RateLimiterMemory({
      keyPrefix: 'read',
      points: limits.failures,
      duration: limits.windowSeconds,
    });
  }

  async check(
    repository: string,
    authorization: string | undefined,
    ip: string,
  ): Promise<ReadDecision> {
    if (this.deps.isPublic(repository)) return { ok: true };
    const credentials = basicCredentials(authorization);
    if (!credentials) return { ok: false, status: 401 };
    const used = await this.failures.get(ip);
    if (used && used.consumedPoints >= this.limit) {
      return {
        ok: false,
        status: 429,
        retryAfterSeconds: Math.max(1, Math.ceil(used.msBeforeNext / 1000)),
      };
    }
    const token = this.valid(repository, credentials);
    if (token) {
      this.deps.tokens.touch(token.id, this.deps.clock.now());
      return { ok: true };
    }
    await this.failures.consume(ip).catch(() => undefined); // over the limit: refused next time
    return { ok: false, status: 401 };
  }

  private valid(
    repository: string,
    credentials: { login: string; password: string },
  ): ReadToken | undefined {
    const id = /^read-([1-9]\d{0,15})$/.exec(credentials.login)?.[1];
    // Unknown logins cost a digest and a comparison too.
    const token = id === undefined ? undefined : this.deps.tokens.get(Number(id));
    const matches = secretsEqual(
      secretDigest(credentials.password),
      token?.digest ?? '0'.repeat(64),
    );
    if (!token || !matches || token.repository !== repository || token.revokedAt !== null) {
      return undefined;
    }
    const now = this.deps.clock.now().getTime();
    if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return undefined;
    return token;
  }
}

function basicCredentials(
  header: string | undefined,
): { login: string; password: string } | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { login: text.slice(0, colon), password: text.slice(colon + 1) };
}
