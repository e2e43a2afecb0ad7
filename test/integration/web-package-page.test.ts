import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  adminPassword,
  adminToken,
  buildDeb,
  buildSource,
  persistentTempDir,
  startTestDaemon,
  userWithToken,
  webLogin,
} from '../fixtures/index.js';

// The package page's actions over plain HTTP (no JavaScript): who sees which form, the
// server's confirmation step, the calls' own errors. One daemon, about 2 s.
const { codename, architecture } = detectHostSystem();
const UNSTABLE = `${codename}-test-unstable`;
const TESTING = `${codename}-test-testing`;
let root: string;
let daemon: Daemon;
let staff: { cookie: string; csrf: string };
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  await userWithToken(daemon, await adminToken(daemon), 'sam', 'staff');
  staff = await webLogin(daemon.url, 'sam', 'sam-password-123');
  admin = await webLogin(daemon.url, 'admin', adminPassword(daemon));
  const dir = path.join(root, 'pkgs');
  const dsc = buildSource(dir, { name: 'webpkg', version: '1.0' });
  const deb = buildDeb(dir, { name: 'webpkg', version: '1.0', architecture });
  const { service } = daemon.parts.find((p) => p.name === 'archive') as ArchivePart;
  await service.archive.install({ distribution: UNSTABLE, packages: [{ dsc, debs: [deb] }] });
});
afterAll(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

const page = (as?: { cookie: string }) =>
  fetch(`${daemon.url}/packages/webpkg`, { headers: as ? { cookie: as.cookie } : {} });

async function post(
  as: { cookie: string; csrf: string },
  action: string,
  fields: Record<string, string>,
): Promise<{ status: number; html: string }> {
  const response = await fetch(`${daemon.url}/packages/webpkg/${action}`, {
    method: 'POST',
    headers: { cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: as.csrf, ...fields }),
  });
  return { status: response.status, html: await response.text() };
}

const forms = (html: string) =>
  [...html.matchAll(/<form method="post" action="\/packages\/webpkg\/(\w+)"/g)].map((m) => m[1]);

describe('the package page', () => {
  it('shows versions and files to anyone, and actions by role', async () => {
    const anonymous = await (await page()).text();
    expect(anonymous).toContain(`<tr data-dist="${UNSTABLE}">`);
    expect(anonymous).toContain('webpkg_1.0.dsc');
    expect(anonymous).toContain('No builds of webpkg yet.');
    expect(anonymous).not.toContain('<svg');
    expect(forms(anonymous)).toEqual([]);
    expect(forms(await (await page(staff)).text())).toEqual(['migrate', 'port']);
    expect(forms(await (await page(admin)).text())).toEqual(['migrate', 'remove', 'port']);
  });

  it('asks before it acts, then runs the call as the user', async () => {
    const asked = await post(staff, 'migrate', { distribution: UNSTABLE });
    expect(asked.status).toBe(200);
    expect(asked.html).toContain(`Migrate webpkg from ${UNSTABLE} to the next suite?`);
    expect(asked.html).toContain('<input type="hidden" name="confirmed" value="yes">');
    expect(asked.html).toContain(`<input type="hidden" name="distribution" value="${UNSTABLE}">`);
    const done = await post(staff, 'migrate', { distribution: UNSTABLE, confirmed: 'yes' });
    expect(done.status).toBe(200);
    expect(done.html).toContain(
      `<p class="notice" role="status">webpkg 1.0 migrated to ${TESTING}.</p>`,
    );
    expect(done.html).toContain(`<tr data-dist="${TESTING}">`);
  });

  it("answers with the call's reasons: role, bad input, nothing there", async () => {
    const denied = await post(staff, 'remove', { distribution: TESTING, confirmed: 'yes' });
    expect(denied.status).toBe(403);
    expect(denied.html).toContain('This page needs role admin; you (sam) have role staff.');
    const bad = await post(admin, 'remove', { distribution: 'nowhere', confirmed: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain(
      'invalid input for remove: distribution: must be a distribution name &lt;codename&gt;-&lt;repository&gt;-&lt;suite&gt;, like bookworm-test-unstable',
    );
    const retry = await post(admin, 'retry', { upload: 'seven', confirmed: 'yes' });
    expect(retry.status).toBe(400);
    expect(retry.html).toContain('invalid input for retry: upload: ');
    const cancel = await post(admin, 'cancel', { build: '4242', confirmed: 'yes' });
    expect(cancel.status).toBe(404);
    expect(cancel.html).toContain('there is no build 4242');
    const removed = await post(admin, 'remove', {
      distribution: TESTING,
      rollback: 'no',
      confirmed: 'yes',
    });
    expect(removed.html).toContain(
      `<p class="notice" role="status">webpkg 1.0 removed from ${TESTING}.</p>`,
    );
  });

  it('refuses posts without the CSRF token', async () => {
    const forged = await fetch(`${daemon.url}/packages/webpkg/migrate`, {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ distribution: UNSTABLE, confirmed: 'yes' }),
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('did not carry a valid CSRF token');
  });
});
