import { readFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import {
  adminPassword,
  api,
  userWithToken,
  webLogin,
  startAdminDaemon,
} from '../fixtures/index.js';

// One daemon for the whole file (~1 s to start); each test uses its own users.
let daemon: Daemon;
let admin: string;
let stop: () => Promise<void>;
let staff: string;
let login: string;

beforeAll(async () => {
  ({ daemon, admin, stop } = await startAdminDaemon());
  staff = (await userWithToken(daemon, admin, 'sam', 'staff')).token;
  login = (await userWithToken(daemon, admin, 'lou', 'login')).token;
});
afterAll(async () => {
  await stop?.();
});

const post = (name: string, input: Record<string, unknown>, token?: string) =>
  api(daemon.url, name, { method: 'POST', input, token });
const get = (name: string, input: Record<string, unknown> = {}, token?: string) =>
  api(daemon.url, name, { input, token });

/** 400 with a problem document whose detail names the field. */
async function expectBadInput(
  answer: Promise<{ status: number; body: { detail: string } }>,
  detail: string,
) {
  const { status, body } = await answer;
  expect(status).toBe(400);
  expect(body.detail).toBe(detail);
}

describe('whoami', () => {
  it('answers for tokens, 401 without, 400 on unknown parameters', async () => {
    expect((await get('whoami', {}, staff)).body).toMatchObject({
      user: 'sam',
      role: 'staff',
      via: 'token',
    });
    const anonymous = await get('whoami');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.detail).toBe(
      'whoami needs a logged-in user with role login; pass a token',
    );
    await expectBadInput(
      get('whoami', { x: 1 }, staff),
      'invalid input for whoami: x: unknown parameter',
    );
  });

  it('refuses unknown, malformed and revoked tokens with 401', async () => {
    const unknown = await get('whoami', {}, 'dby_not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(
      'the API token is not valid (revoked or mistyped); run debyard login',
    );
    const basic = await api(daemon.url, 'status', { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
    expect(basic.body.detail).toBe('the Authorization header must be "Bearer <token>"');
  });
});

describe('token_create', () => {
  it('creates a token with user and password, shown once and stored only as a digest', async () => {
    const created = await post('token_create', {
      user: 'admin',
      password: adminPassword(daemon),
      name: 'ci',
      expires_days: 30,
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      user: 'admin',
      name: 'ci',
      prefix: created.body.token.slice(0, 10),
    });
    expect(created.body.token).toMatch(/^dby_[A-Za-z0-9_-]{43}$/);
    expect(new Date(created.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(
      29 * 86_400_000,
    );
    expect((await get('whoami', {}, created.body.token)).body.tokenId).toBe(created.body.id);
    const listed = (await get('tokens', {}, created.body.token)).body;
    expect(JSON.stringify(listed)).not.toContain(created.body.token);
    const db = new BetterSqlite3(path.join(daemon.layout.root, 'debyard.db'), { readonly: true });
    const digests = db.prepare('SELECT digest FROM api_tokens').pluck().all();
    db.close();
    expect(digests).not.toContain(created.body.token);
    expect(
      readFileSync(path.join(daemon.layout.root, 'debyard.db')).includes(created.body.token),
    ).toBe(false);
  });

  it('creates a token for the logged-in user without a password', async () => {
    const created = await post('token_create', { name: 'second' }, login);
    expect(created.status).toBe(200);
    expect(created.body.user).toBe('lou');
  });

  it('answers 401 for wrong passwords and without any credentials, 400 on half credentials', async () => {
    const wrong = await post('token_create', { user: 'admin', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBe('wrong user name or password');
    const nobody = await post('token_create', { user: 'ghost', password: 'nope' });
    expect(nobody.body.detail).toBe('wrong user name or password');
    const none = await post('token_create', {});
    expect(none.status).toBe(401);
    expect(none.body.detail).toBe(
      'token_create needs a user and password, or a logged-in user (pass --token)',
    );
    await expectBadInput(
      post('token_create', { user: 'admin' }),
      'invalid input for token_create: password: give both user and password, or neither',
    );
    await expectBadInput(
      post('token_create', { user: 'Admin!', password: 'x', expires_days: 0 }),
      'invalid input for token_create: user: must be 1-32 lower-case letters, digits, dots, dashes or underscores, starting with a letter; expires_days: must be at least 1',
    );
  });
});

describe('tokens and token_revoke', () => {
  it('lists only your own tokens and revokes them', async () => {
    const { token } = await userWithToken(daemon, admin, 'tia', 'login');
    const mine = (await get('tokens', {}, token)).body;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ name: 'test', expiresAt: null });
    expect(mine[0].lastUsedAt).not.toBeNull();
    expect((await get('tokens', {}, admin)).body.map((t: { id: number }) => t.id)).not.toContain(
      mine[0].id,
    );

    const foreign = await post('token_revoke', { id: mine[0].id }, staff);
    expect(foreign.status).toBe(404);
    expect(foreign.body.detail).toBe(`you have no token ${mine[0].id}; see debyard tokens`);
    expect((await post('token_revoke', { id: mine[0].id }, token)).body).toEqual({
      revoked: mine[0].id,
    });
    const after = await get('whoami', {}, token);
    expect(after.status).toBe(401);
  });

  it('validates input and needs a login', async () => {
    await expectBadInput(
      get('tokens', { all: 'yes' }, login),
      'invalid input for tokens: all: unknown parameter',
    );
    await expectBadInput(
      post('token_revoke', { id: 'x' }, login),
      'invalid input for token_revoke: id: expected a whole number',
    );
    expect((await get('tokens')).status).toBe(401);
    expect((await post('token_revoke', { id: 1 })).status).toBe(401);
  });
});

describe('user administration', () => {
  it('lists users (admin only)', async () => {
    const users = await get('users', {}, admin);
    expect(users.status).toBe(200);
    expect(users.body.find((u: { name: string }) => u.name === 'sam')).toMatchObject({
      role: 'staff',
      disabled: false,
      tokens: 1,
    });
    expect((await get('users')).status).toBe(401);
    const denied = await get('users', {}, staff);
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toBe('users needs role admin; user sam has role staff');
    await expectBadInput(
      get('users', { role: 'x' }, admin),
      'invalid input for users: role: unknown parameter',
    );
  });

  it('adds users, generating a password when none is given', async () => {
    const added = await post('user_add', { name: 'newbie' }, admin);
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ name: 'newbie', role: 'login', disabled: false });
    expect(added.body.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const login = await post('token_create', { user: 'newbie', password: added.body.password });
    expect(login.status).toBe(200);
    const again = await post('user_add', { name: 'newbie' }, admin);
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('user "newbie" already exists');
    await expectBadInput(
      post('user_add', { name: 'Bad Name', role: 'root', password: 'short' }, admin),
      'invalid input for user_add: name: must be 1-32 lower-case letters, digits, dots, dashes or underscores, starting with a letter; role: must be one of login, staff, admin; password: must be at least 10 characters',
    );
    expect((await post('user_add', { name: 'x1' })).status).toBe(401);
    expect((await post('user_add', { name: 'x1' }, staff)).status).toBe(403);
  });

  it('changes roles, and keeps the last admin', async () => {
    await post('user_add', { name: 'rita' }, admin);
    const changed = await post('user_role', { name: 'rita', role: 'staff' }, admin);
    expect(changed.body).toMatchObject({ name: 'rita', role: 'staff' });
    await expectBadInput(
      post('user_role', { name: 'rita' }, admin),
      'invalid input for user_role: role: must be one of login, staff, admin',
    );
    const self = await post('user_role', { name: 'admin', role: 'login' }, admin);
    expect(self.status).toBe(409);
    expect(self.body.detail).toBe(
      'you cannot make admin login: that is yourself; ask another admin',
    );
    const missing = await post('user_role', { name: 'nobody', role: 'staff' }, admin);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('there is no user "nobody"; see debyard users');
    expect((await post('user_role', { name: 'rita', role: 'admin' })).status).toBe(401);
    expect((await post('user_role', { name: 'rita', role: 'admin' }, login)).status).toBe(403);
  });

  it('disables users (their tokens stop working, sessions end) and enables them again', async () => {
    const { token, password } = await userWithToken(daemon, admin, 'dora', 'staff');
    const session = await webLogin(daemon.url, 'dora', password);
    expect((await api(daemon.url, 'whoami', { cookie: session.cookie })).body.via).toBe('session');
    const disabled = await post('user_disable', { name: 'dora' }, admin);
    expect(disabled.body).toMatchObject({ name: 'dora', disabled: true });
    const refused = await get('whoami', {}, token);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe('user dora is disabled; ask an admin');
    expect((await api(daemon.url, 'whoami', { cookie: session.cookie })).status).toBe(401);
    const loginAttempt = await post('token_create', { user: 'dora', password });
    expect(loginAttempt.body.detail).toBe('user dora is disabled; ask an admin');

    expect((await post('user_enable', { name: 'dora' }, admin)).body.disabled).toBe(false);
    expect((await get('whoami', {}, token)).status).toBe(200);
    expect((await api(daemon.url, 'whoami', { cookie: session.cookie })).status).toBe(401);

    await expectBadInput(
      post('user_disable', {}, admin),
      'invalid input for user_disable: name: Required',
    );
    await expectBadInput(
      post('user_enable', { name: 7 }, admin),
      'invalid input for user_enable: name: Expected string, received number',
    );
    const self = await post('user_disable', { name: 'admin' }, admin);
    expect(self.status).toBe(409);
    for (const call of ['user_disable', 'user_enable']) {
      expect((await post(call, { name: 'dora' })).status).toBe(401);
      expect((await post(call, { name: 'dora' }, staff)).status).toBe(403);
    }
  });

  it('refuses to disable or demote the last enabled admin', async () => {
    const second = await userWithToken(daemon, admin, 'ada', 'admin');
    const last = await post('user_disable', { name: 'admin' }, second.token);
    expect(last.status).toBe(200);
    const demote = await post('user_role', { name: 'ada', role: 'staff' }, second.token);
    expect(demote.status).toBe(409);
    await post('user_enable', { name: 'admin' }, second.token);
    // With two admins again, the first may demote the second, then nobody can remove the last.
    expect((await post('user_role', { name: 'ada', role: 'staff' }, admin)).status).toBe(200);
    const lastAdmin = await post('user_disable', { name: 'admin' }, admin);
    expect(lastAdmin.body.detail).toBe(
      'you cannot disable admin: that is yourself; ask another admin',
    );
  });
});

describe('session cookies on the API', () => {
  it('needs the CSRF header on POSTs, not on GETs; bearer tokens need none', async () => {
    const { cookie, csrf } = await webLogin(daemon.url, 'admin', adminPassword(daemon));
    expect((await api(daemon.url, 'users', { cookie })).status).toBe(200);
    const forged = await api(daemon.url, 'user_add', {
      method: 'POST',
      cookie,
      input: { name: 'forged' },
    });
    expect(forged.status).toBe(403);
    expect(forged.body.detail).toBe(
      'missing or wrong CSRF token: a request authenticated by the session cookie must send the X-CSRF-Token header of the page',
    );
    const wrong = await api(daemon.url, 'user_add', {
      method: 'POST',
      cookie,
      csrf: 'x'.repeat(43),
      input: { name: 'forged' },
    });
    expect(wrong.status).toBe(403);
    const ok = await api(daemon.url, 'user_add', {
      method: 'POST',
      cookie,
      csrf,
      input: { name: 'viaweb' },
    });
    expect(ok.status).toBe(200);
    expect((await post('user_add', { name: 'viatoken' }, admin)).status).toBe(200);
  });
});

describe('status', () => {
  it('answers anyone; 400 on unknown parameters', async () => {
    expect((await get('status')).body).toMatchObject({ name: 'debyard', identity: 'testyard' });
    await expectBadInput(
      get('status', { verbose: 1 }),
      'invalid input for status: verbose: unknown parameter',
    );
  });
});

describe('events', () => {
  it('lists with filters, newest first; 400 names the bad filter', async () => {
    const source = 'filtertest';
    daemon.events.emit({ type: 'ACCEPTED', message: 'a', source, uploadId: 4 });
    daemon.events.emit({
      type: 'BUILDING',
      message: 'b',
      source,
      buildId: 9,
      distribution: 'bookworm-test-unstable',
    });
    daemon.events.emit({
      type: 'BUILT',
      message: 'c',
      source,
      buildId: 9,
      distribution: 'bookworm-test-unstable',
    });
    const messages = async (input: Record<string, unknown>) =>
      (await get('events', { source, ...input })).body.map((e: { message: string }) => e.message);
    expect(await messages({})).toEqual(['c', 'b', 'a']);
    expect(await messages({ type: 'BUILT,ACCEPTED' })).toEqual(['c', 'a']);
    expect(await messages({ type: ['building', 'BUILT'] })).toEqual(['c', 'b']);
    expect(await messages({ build: 9, limit: 1 })).toEqual(['c']);
    expect(await messages({ upload: 4 })).toEqual(['a']);
    expect(await messages({ distribution: 'bookworm-test-unstable' })).toEqual(['c', 'b']);
    const all = (await get('events', { source })).body;
    expect(await messages({ after: all[2].id })).toEqual(['b', 'c']);
    expect(await messages({ before: all[0].id })).toEqual(['b', 'a']);
    await expectBadInput(
      get('events', { type: 'BUILT,NOPE', limit: 0, upload: 'x' }),
      'invalid input for events: type.1: must be one of REJECTED, ACCEPTED, PACKAGING, BUILDING, BUILT, TESTED, FAILED, CANCELLED, INSTALLED, MIGRATED, REMOVED, PUBLISHED, SNAPSHOT, DEPWAIT, SOURCE, MIRROR, CHROOT, PEER, INCOMING, GIT, DAEMON, KEY, AUDIT; upload: expected a whole number; limit: must be at least 1',
    );
  });
});
