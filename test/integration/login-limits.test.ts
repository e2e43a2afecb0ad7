import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  adminPassword,
  adminToken,
  api,
  startTestDaemon,
  tempDir,
  userWithToken,
} from '../fixtures/index.js';

const attempt = (base: string, user: string, password: string) =>
  api(base, 'token_create', { method: 'POST', input: { user, password } });

describe('password login rate limits', () => {
  it('blocks a user name after 5 failures and an address after 20, even with the right password', async () => {
    const daemon = await startTestDaemon(path.join(tempDir(), 'home'));
    try {
      const admin = await adminToken(daemon);
      const lou = await userWithToken(daemon, admin, 'lou', 'login');
      for (let i = 0; i < 5; i++) {
        expect((await attempt(daemon.url, 'admin', `wrong-${i}`)).status).toBe(401);
      }
      const blocked = await attempt(daemon.url, 'admin', adminPassword(daemon));
      expect(blocked.status).toBe(429);
      expect(blocked.body.detail).toMatch(
        /^too many failed logins for user admin; try again in \d+ s$/,
      );
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
      // The web form shares the limit.
      const form = await fetch(`${daemon.url}/login`);
      const cookie = form.headers.getSetCookie()[0]!.split(';')[0]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const page = await fetch(`${daemon.url}/login`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, user: 'admin', password: adminPassword(daemon) }),
      });
      expect(page.status).toBe(429);
      expect(await page.text()).toContain('too many failed logins for user admin');
      // Other users are not affected by one user's lock …
      expect((await attempt(daemon.url, 'lou', lou.password)).status).toBe(200);
      // … until the address has failed 20 times (5 so far).
      for (let i = 0; i < 15; i++) {
        expect((await attempt(daemon.url, `guess${i}`, 'wrong')).status).toBe(401);
      }
      const byAddress = await attempt(daemon.url, 'lou', lou.password);
      expect(byAddress.status).toBe(429);
      expect(byAddress.body.detail).toMatch(
        /^too many failed logins for address 127\.0\.0\.1; try again in \d+ s$/,
      );
      // Tokens keep working: the limit is on password logins only.
      expect((await api(daemon.url, 'whoami', { token: lou.token })).status).toBe(200);
    } finally {
      await daemon.stop();
    }
  });

  it('counts attempts made at once before checking them: 40 parallel logins check at most 5', async () => {
    const daemon = await startTestDaemon(path.join(tempDir(), 'home'));
    try {
      // 20 wrong guesses, then (while they are still being checked) the right password
      // among 20 more: the limit is 5 for the name, so the right one comes too late.
      const wrong = Array.from({ length: 20 }, (_, i) => attempt(daemon.url, 'admin', `w-${i}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const right = attempt(daemon.url, 'admin', adminPassword(daemon));
      const more = Array.from({ length: 19 }, (_, i) => attempt(daemon.url, 'admin', `m-${i}`));
      const answers = await Promise.all([...wrong, right, ...more]);
      const statuses = answers.map((a) => a.status);
      const checked = statuses.filter((s) => s !== 429);
      expect(checked.length, `statuses: ${statuses.join(' ')}`).toBeLessThanOrEqual(5);
      expect(checked.every((s) => s === 401)).toBe(true);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40 - checked.length);
      const refused = await right;
      expect(refused.status).toBe(429);
      expect(refused.body.detail).toMatch(
        /^too many failed logins for user admin; try again in \d+ s$/,
      );
      expect((await attempt(daemon.url, 'admin', adminPassword(daemon))).status).toBe(429);
    } finally {
      await daemon.stop();
    }
  });

  it('checks at most 20 parallel logins from one address, whatever the names', async () => {
    const daemon = await startTestDaemon(path.join(tempDir(), 'home'));
    try {
      const admin = await adminToken(daemon);
      const lou = await userWithToken(daemon, admin, 'lou', 'login');
      const guesses = Array.from({ length: 40 }, (_, i) => attempt(daemon.url, `name${i}`, 'x'));
      const statuses = (await Promise.all(guesses)).map((a) => a.status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      const blocked = await attempt(daemon.url, 'lou', lou.password);
      expect(blocked.status).toBe(429);
      expect(blocked.body.detail).toMatch(/^too many failed logins for address 127\.0\.0\.1; /);
    } finally {
      await daemon.stop();
    }
  });
});
