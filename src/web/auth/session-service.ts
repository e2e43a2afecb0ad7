import type { Request, Response } from 'express';
import type { SessionsRepository } from '../../db/sessions-repository.js';
import type { Session } from './session-records.js';
import type { UsersRepository } from '../../db/users-repository.js';
import type { User } from '../../api/user-records.js';
import type { Clock } from '../../shared/clock.js';
import { randomSecret, secretDigest } from '../../shared/passwords.js';
import { clearCookie, readCookie, SESSION_COOKIE, setCookie } from './cookies.js';

export interface SessionLifetime {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after login, used or not. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIFETIME: SessionLifetime = {
  idleMs: 24 * 3600_000,
  absoluteMs: 7 * 24 * 3600_000,
};

export interface ActiveSession {
  session: Session;
  user: User;
}

/**
 * Server-side web sessions: the cookie holds a random secret, the database its digest,
 * the user and the session's CSRF token.
 */
export class SessionService {
  private readonly resolved = new WeakMap<Request, ActiveSession | null>();

  constructor(
    private readonly deps: { sessions: SessionsRepository; users: UsersRepository; clock: Clock },
    private readonly lifetime: SessionLifetime = DEFAULT_SESSION_LIFETIME,
  ) {}

  /** Starts a session for a user who just logged in and sets its cookie. */
  start(user: User, req: Request, res: Response): Session {
    const now = this.deps.clock.now();
    this.deps.sessions.deleteExpired(now);
    const secret = randomSecret(32);
    const session = this.deps.sessions.create({
      userId: user.id,
      digest: secretDigest(secret),
      csrfToken: randomSecret(32),
      now,
      expiresAt: this.expiry(now, now),
      ip: req.ip ?? null,
      userAgent: req.get('user-agent')?.slice(0, 300) ?? null,
    });
    setCookie(req, res, SESSION_COOKIE, secret, {
      sameSite: 'lax',
      maxAgeSeconds: Math.floor(this.lifetime.absoluteMs / 1000),
    });
    this.resolved.set(req, { session, user });
    return session;
  }

  /** The live session of a request, or null; expired and disabled ones are ended. */
  resolve(req: Request): ActiveSession | null {
    if (this.resolved.has(req)) return this.resolved.get(req)!;
    const active = this.lookup(req);
    this.resolved.set(req, active);
    return active;
  }

  /** Ends the request's session (logout) and clears the cookie. */
  end(req: Request, res: Response): void {
    const active = this.resolve(req);
    if (active) this.deps.sessions.delete(active.session.id);
    clearCookie(req, res, SESSION_COOKIE);
    this.resolved.set(req, null);
  }

  private lookup(req: Request): ActiveSession | null {
    const secret = readCookie(req, SESSION_COOKIE);
    if (!secret) return null;
    const session = this.deps.sessions.findByDigest(secretDigest(secret));
    if (!session) return null;
    const now = this.deps.clock.now();
    if (new Date(session.expiresAt) <= now) {
      this.deps.sessions.delete(session.id);
      return null;
    }
    const user = this.deps.users.get(session.userId);
    if (user.disabled) {
      this.deps.sessions.delete(session.id);
      return null;
    }
    this.deps.sessions.touch(session.id, now, this.expiry(new Date(session.createdAt), now));
    return { session, user };
  }

  private expiry(createdAt: Date, now: Date): Date {
    return new Date(
      Math.min(
        createdAt.getTime() + this.lifetime.absoluteMs,
        now.getTime() + this.lifetime.idleMs,
      ),
    );
  }
}
