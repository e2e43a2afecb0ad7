import { describe, expect, it } from 'vitest';
import type { ReadToken } from '../../../src/archive/read-token-records.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { secretDigest } from '../../../src/shared/passwords.js';
import { ReadAccess } from '../../../src/web/auth/read-access.js';

const basic = (login: string, password: string) =>
  `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

function setup(limits = { failures: 3, windowSeconds: 60 }) {
  const clock = new ManualClock('2026-06-01T00:00:00Z');
  const tokens = new Map<number, ReadToken>();
  const add = (id: number, repository: string, extra: Partial<ReadToken> = {}) =>
    tokens.set(id, {
      id,
      repository,
      name: 'apt',
      digest: secretDigest(`secret-${id}`),
      createdAt: clock.now().toISOString(),
      createdBy: 'admin',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      ...extra,
    });
  const access = new ReadAccess({
    isPublic: (repo) => repo === 'open',
    tokens: { get: (id) => tokens.get(id), touch: () => undefined },
    clock,
    limits,
  });
  return { clock, tokens, add, access };
}

describe('ReadAccess', () => {
  it('lets anyone read a public repository', async () => {
    const { access } = setup();
    expect(await access.check('open', undefined, 'a')).toEqual({ ok: true });
  });

  it('answers a private and a missing repository alike: 401', async () => {
    const { access, add } = setup();
    add(1, 'secret');
    expect(await access.check('secret', undefined, 'a')).toEqual({ ok: false, status: 401 });
    expect(await access.check('nosuch', undefined, 'a')).toEqual({ ok: false, status: 401 });
    expect(await access.check('nosuch', basic('read-1', 'secret-1'), 'a')).toEqual({
      ok: false,
      status: 401,
    });
  });

  it('grants a live token of the repository only: not revoked, not expired, right secret', async () => {
    const { access, add, clock } = setup({ failures: 100, windowSeconds: 60 });
    add(1, 'secret');
    add(2, 'other');
    add(3, 'secret', { revokedAt: clock.now().toISOString() });
    add(4, 'secret', { expiresAt: new Date(clock.now().getTime() + 1000).toISOString() });
    expect(await access.check('secret', basic('read-1', 'secret-1'), 'a')).toEqual({ ok: true });
    expect((await access.check('secret', basic('read-1', 'secret-2'), 'a')).ok).toBe(false);
    expect((await access.check('secret', basic('read-2', 'secret-2'), 'a')).ok).toBe(false);
    expect((await access.check('secret', basic('read-3', 'secret-3'), 'a')).ok).toBe(false);
    expect((await access.check('secret', basic('admin', 'secret-1'), 'a')).ok).toBe(false);
    expect(await access.check('secret', basic('read-4', 'secret-4'), 'a')).toEqual({ ok: true });
    clock.advance(1000);
    expect((await access.check('secret', basic('read-4', 'secret-4'), 'a')).ok).toBe(false);
  });

  it('refuses an address with too many failures with 429, even with the right secret', async () => {
    const { access, add } = setup();
    add(1, 'secret');
    for (let i = 0; i < 3; i++) {
      expect(await access.check('secret', basic('read-1', `guess-${i}`), 'a')).toEqual({
        ok: false,
        status: 401,
      });
    }
    const refused = await access.check('secret', basic('read-1', 'secret-1'), 'a');
    expect(refused).toMatchObject({ ok: false, status: 429 });
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    // Other addresses are not held up.
    expect(await access.check('secret', basic('read-1', 'secret-1'), 'b')).toEqual({ ok: true });
  });
});
