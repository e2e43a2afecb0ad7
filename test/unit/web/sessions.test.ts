import path from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { SessionsRepository } from '../../../src/db/sessions-repository.js';
import { TokensRepository } from '../../../src/db/tokens-repository.js';
import { UsersRepository } from '../../../src/db/users-repository.js';
import { createAuthenticator } from '../../../src/web/auth/authenticator.js';
import { SessionService } from '../../../src/web/auth/session-service.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { AppError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { secretDigest } from '../../../src/shared/passwords.js';
import { serve, tempDir } from '../../fixtures/index.js';

const HOUR = 3600_000;

/** Sessions and bearer tokens over real HTTP, with a clock the test moves. */
async function setup() {
  const db = openDatabase(path.join(tempDir(), 'a.db'), { logger: silentLogger });
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const users = new UsersRepository(db);
  const tokens = new TokensRepository(db);
  const user = users.create({
    name: 'jo',
    role: 'staff',
    passwordHash: null,
    createdAt: clock.now(),
  });
  const sessions = new SessionService(
    { sessions: new SessionsRepository(db), users, clock },
    { idleMs: 2 * HOUR, absoluteMs: 5 * HOUR },
  );
  const authenticate = createAuthenticator({ users, tokens, sessions, clock });
  const app = express();
  app.post('/login', (req, res) => {
    sessions.start(user, req, res);
    res.end();
  });
  app.all('/whoami', async (req, res) => {
    try {
      res.json(await authenticate(req));
    } catch (error) {
      res
        .status(error instanceof AppError && error.code === 'permission' ? 403 : 401)
        .json({ detail: (error as Error).message });
    }
  });
  const base = await serve(app);
  const login = async () => {
    const response = await fetch(`${base}/login`, { method: 'POST' });
    return response.headers.getSetCookie()[0]!;
  };
  const who = async (headers: Record<string, string>, method = 'GET') =>
    (await fetch(`${base}/whoami`, { method, headers })).json() as Promise<{
      user?: string;
      detail?: string;
    }>;
  return { db, clock, users, tokens, user, login, who };
}

describe('sessions', () => {
  it('sets an httpOnly SameSite=Lax cookie holding a secret stored only as a digest', async () => {
    const { db, login, who } = await setup();
    const setCookie = await login();
    expect(setCookie).toMatch(
      /^debyard_session=[A-Za-z0-9_-]{43}; Max-Age=18000; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    const secret = setCookie.split(';')[0]!.split('=')[1]!;
    expect(db.prepare('SELECT digest FROM sessions').pluck().get()).toBe(secretDigest(secret));
    expect(await who({ cookie: `debyard_session=${secret}` })).toMatchObject({
      user: 'jo',
      via: 'session',
    });
    expect(await who({ cookie: 'debyard_session=forged' })).toEqual({
      user: null,
      role: 'anonymous',
    });
  });

  it('ends after the idle time, and after the absolute lifetime even when used', async () => {
    const { clock, login, who } = await setup();
    const cookie = (await login()).split(';')[0]!;
    clock.advance(2 * HOUR + 1);
    expect((await who({ cookie })).user).toBeNull();

    const busy = (await login()).split(';')[0]!;
    for (let hour = 1; hour <= 4; hour++) {
      clock.advance(HOUR + 1000);
      expect((await who({ cookie: busy })).user).toBe('jo');
    }
    clock.advance(HOUR);
    expect((await who({ cookie: busy })).user).toBeNull();
  });

  it('needs the CSRF header on unsafe requests made with the cookie', async () => {
    const { db, login, who } = await setup();
    const cookie = (await login()).split(';')[0]!;
    const csrf = db.prepare('SELECT csrf_token FROM sessions').pluck().get() as string;
    expect((await who({ cookie }, 'POST')).detail).toMatch(/^missing or wrong CSRF token/);
    expect((await who({ cookie, 'x-csrf-token': csrf }, 'POST')).user).toBe('jo');
  });
});

describe('bearer tokens', () => {
  it('are refused once expired', async () => {
    const { clock, tokens, user, who } = await setup();
    tokens.create({
      userId: user.id,
      name: 'short',
      digest: secretDigest('dby_secret'),
      prefix: 'dby_se',
      createdAt: clock.now(),
      expiresAt: new Date(clock.now().getTime() + HOUR),
    });
    expect((await who({ authorization: 'Bearer dby_secret' })).user).toBe('jo');
    clock.advance(HOUR);
    expect((await who({ authorization: 'Bearer dby_secret' })).detail).toBe(
      'the API token "short" expired at 2026-03-01T01:00:00.000Z; run debyard login',
    );
  });
});
