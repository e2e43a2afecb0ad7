import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminPassword, adminToken, api, userWithToken } from '../helpers/api.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';

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
});
