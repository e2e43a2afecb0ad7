import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { PasswordCheck } from '../../api/routers/tokens-router.js';
import type { User, UsersRepository } from '../../db/users-repository.js';
import { AuthenticationError, TooManyRequestsError } from '../../shared/errors.js';
import { hashPassword, verifyPassword } from '../../shared/passwords.js';

export interface LoginLimits {
  /** Failed logins per user name within `windowSeconds` before it is blocked. */
  perUser: number;
  /** Failed logins per client address within `windowSeconds` before it is blocked. */
  perIp: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUser: 5, perIp: 20, windowSeconds: 900 };

/**
 * Password login (web form and `debyard login`) with rate limiting: after too many
 * failures for one user name or from one address, attempts are refused with 429 until
 * the window has passed, even with the right password.
 */
export class LoginGuard implements PasswordCheck {
  private readonly perUser: RateLimiterMemory;
  private readonly perIp: RateLimiterMemory;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UsersRepository,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {
    const window = limits.windowSeconds;
    this.perUser = new RateLimiterMemory({
      keyPrefix: 'user',
      points: limits.perUser,
      duration: window,
    });
    this.perIp = new RateLimiterMemory({ keyPrefix: 'ip', points: limits.perIp, duration: window });
  }

  async verify(name: string, password: string, ip: string): Promise<User> {
    await this.refuseIfBlocked(name, ip);
    const user = this.users.findByName(name);
    // Unknown users cost a hash too, so timing does not tell which names exist.
    const hash = user?.passwordHash ?? (await (this.dummyHash ??= hashPassword('not a password')));
    const matches = await verifyPassword(password, hash);
    if (!user || !user.passwordHash || !matches) {
      await Promise.all([
        this.perUser.consume(name).catch(() => undefined),
        this.perIp.consume(ip).catch(() => undefined),
      ]);
      throw new AuthenticationError('wrong user name or password');
    }
    if (user.disabled) throw new AuthenticationError(`user ${name} is disabled; ask an admin`);
    await this.perUser.delete(name);
    return user;
  }

  private async refuseIfBlocked(name: string, ip: string): Promise<void> {
    const [byUser, byIp] = await Promise.all([this.perUser.get(name), this.perIp.get(ip)]);
    const blocked = [
      byUser && byUser.consumedPoints >= this.limits.perUser ? byUser : null,
      byIp && byIp.consumedPoints >= this.limits.perIp ? byIp : null,
    ].filter((r) => r !== null);
    if (blocked.length === 0) return;
    const seconds = Math.max(1, Math.ceil(Math.max(...blocked.map((r) => r.msBeforeNext)) / 1000));
    const what = byUser === blocked[0] ? `user ${name}` : `address ${ip}`;
    throw new TooManyRequestsError(
      `too many failed logins for ${what}; try again in ${seconds} s`,
      seconds,
    );
  }
}
