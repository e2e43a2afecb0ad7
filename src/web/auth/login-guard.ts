import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { PasswordCheck } from '../../api/routers/tokens-router.js';
import type { UsersRepository } from '../../db/users-repository.js';
import type { User } from '../../api/user-records.js';
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
 *
 * Each attempt takes its point from both limits before its password is checked (a
 * reservation), so attempts made at once cannot all pass the check while the first
 * ones are still hashing: at most `perUser` attempts for one name (and `perIp` from one
 * address) are ever checked within a window. A right password gives its points back
 * and clears the name's failures; a wrong one keeps them.
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
    await this.reserve(name, ip);
    let user: User | undefined;
    let matches = false;
    try {
      user = this.users.findByName(name);
      // Unknown users cost a hash too, so timing does not tell which names exist.
      const hash =
        user?.passwordHash ?? (await (this.dummyHash ??= hashPassword('not a password')));
      matches = await verifyPassword(password, hash);
    } catch (error) {
      // Not the password's fault (the check itself broke): the attempt is not counted.
      await this.giveBack(name, ip);
      throw error;
    }
    if (!user || !user.passwordHash || !matches) {
      throw new AuthenticationError('wrong user name or password');
    }
    if (user.disabled) {
      await this.giveBack(name, ip);
      throw new AuthenticationError(`user ${name} is disabled; ask an admin`);
    }
    await Promise.all([this.perUser.delete(name), this.perIp.reward(ip, 1)]);
    return user;
  }

  /** Takes one point from both limits, or refuses (429) when either is used up. */
  private async reserve(name: string, ip: string): Promise<void> {
    const [byUser, byIp] = await Promise.allSettled([
      this.perUser.consume(name),
      this.perIp.consume(ip),
    ]);
    if (byUser.status === 'fulfilled' && byIp.status === 'fulfilled') return;
    // A refused attempt is not checked: what one limit had granted is given back.
    if (byUser.status === 'fulfilled') await this.perUser.reward(name, 1);
    if (byIp.status === 'fulfilled') await this.perIp.reward(ip, 1);
    const refusal = byUser.status === 'rejected' ? byUser : (byIp as PromiseRejectedResult);
    if (!(refusal.reason instanceof RateLimiterRes)) throw refusal.reason;
    const seconds = Math.max(1, Math.ceil(refusal.reason.msBeforeNext / 1000));
    const what = byUser.status === 'rejected' ? `user ${name}` : `address ${ip}`;
    throw new TooManyRequestsError(
      `too many failed logins for ${what}; try again in ${seconds} s`,
      seconds,
    );
  }

  private async giveBack(name: string, ip: string): Promise<void> {
    await Promise.all([this.perUser.reward(name, 1), this.perIp.reward(ip, 1)]);
  }
}
