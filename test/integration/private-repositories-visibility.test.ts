import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  adminPassword,
  api,
  buildDeb,
  buildSource,
  dataOf,
  openSse,
  webLogin,
  startAdminDaemon,
} from '../fixtures/index.js';
import { type SeededBuild, seedFailedBuild } from '../fixtures/subsystems.js';

// One daemon: a private repository "vault" beside the public "test", each with a
// package, an upload with a failed build, and a snapshot. Anonymous callers and visitors
// must find no trace of "vault" in events, lists, pages and the live stream.
let daemon: Daemon;
let root: string;
let admin: string;
let stop: () => Promise<void>;
let cookie: string;
const seeded: Record<'open' | 'vault', SeededBuild> = {} as never;
const { codename, architecture } = detectHostSystem();
const DIST = `${codename}-vault-unstable`;

const post = (name: string, input: Record<string, unknown>) =>
  api(daemon.url, name, { method: 'POST', input, token: admin });
const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${daemon.url}${url}`, { headers });
const main = (html: string) => /<main>([\s\S]*)<\/main>/.exec(html)![1]!;
const archive = () => (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;

async function install(repository: string, name: string): Promise<void> {
  const dir = path.join(root, `pkgs-${repository}`);
  const dsc = buildSource(dir, { name, version: '1.0' });
  const deb = buildDeb(dir, { name, version: '1.0', architecture });
  const distribution = `${codename}-${repository}-unstable`;
  await archive().archive.install({ distribution, packages: [{ dsc, debs: [deb] }] });
  await archive().idle();
}

beforeAll(async () => {
  ({ root, daemon, admin, stop } = await startAdminDaemon({ prefix: 'debyard-private-vis-' }));
  ({ cookie } = await webLogin(daemon.url, 'admin', adminPassword(daemon)));
  const added = await post('repository_add', {
    id: 'vault',
    private: true,
    codename,
    architectures: architecture,
  });
  if (added.status !== 200) throw new Error(JSON.stringify(added.body));
  await install('test', 'plain');
  // Oldest first: public, then private, so that the newest row of each list is private.
  seeded.open = seedFailedBuild(daemon.layout.root, (log) => log.write('x\n'), {
    source: 'plain',
  });
  seeded.vault = seedFailedBuild(daemon.layout.root, (log) => log.write('x\n'), {
    source: 'zqpriv',
    repository: 'vault',
  });
  await install('vault', 'zqpriv');
  for (const distribution of [`${codename}-test-unstable`, DIST]) {
    const taken = await post('snapshot_create', { distribution, name: 'snap1' });
    if (taken.status !== 200) throw new Error(JSON.stringify(taken.body));
  }
  const token = await post('read_token_create', { repo: 'vault' });
  if (token.status !== 200) throw new Error(JSON.stringify(token.body));
});
afterAll(async () => {
  await stop?.();
});

describe('private repositories in events, lists and pages', () => {
  it('leaves events of a private repository out of the anonymous events, pages full', async () => {
    const mine = await api(daemon.url, 'events', { input: { limit: 1000 }, token: admin });
    const about = mine.body.filter((e: object) => JSON.stringify(e).includes('vault'));
    const types = new Set(about.map((e: { type: string }) => e.type));
    expect([...types].sort()).toEqual(['AUDIT', 'INSTALLED', 'PUBLISHED', 'SNAPSHOT']);

    const anonymous = await api(daemon.url, 'events', { input: { limit: 1000 } });
    expect(anonymous.status).toBe(200);
    expect(JSON.stringify(anonymous.body)).not.toContain('vault');
    expect(JSON.stringify(anonymous.body)).not.toContain('zqpriv');
    // Nor the audit trail: who did what is for logged-in users.
    const audit = mine.body.filter(
      (e: { type: string }) => e.type === 'AUDIT' && !about.includes(e),
    );
    expect(audit.length).toBeGreaterThan(0);
    expect(anonymous.body.filter((e: { type: string }) => e.type === 'AUDIT')).toEqual([]);
    expect(anonymous.body.length).toBe(mine.body.length - about.length - audit.length);
    const audited = await api(daemon.url, 'events', { input: { type: 'AUDIT' } });
    expect([audited.status, audited.body]).toEqual([200, []]);
    // The newest events are private ones: a page of one is still one public event.
    const one = await api(daemon.url, 'events', { input: { limit: 1 } });
    expect(one.body).toEqual([anonymous.body[0]]);
    const filtered = await api(daemon.url, 'events', {
      input: { distribution: DIST, type: 'INSTALLED' },
    });
    expect(filtered.body).toEqual([]);
  });

  it('streams live events of a private repository only to callers who may read it', async () => {
    const last = (await api(daemon.url, 'events', { token: admin, input: { limit: 1 } })).body[0];
    const url = `${daemon.url}/api/v1/events?follow=true&type=SNAPSHOT&after=${last.id}`;
    const anonymous = await openSse(url);
    const mine = await openSse(url, { authorization: `Bearer ${admin}` });
    expect([anonymous.status, mine.status]).toEqual([200, 200]);
    expect((await post('snapshot_create', { distribution: DIST, name: 'live' })).status).toBe(200);
    const open = `${codename}-test-unstable`;
    expect((await post('snapshot_create', { distribution: open, name: 'live' })).status).toBe(200);
    const seen = dataOf(await mine.waitFor(2)) as { distribution: string }[];
    expect(seen.map((e) => e.distribution)).toEqual([DIST, open]);
    // Both events were published before the second one: had the first passed, it came first.
    const told = dataOf(await anonymous.waitFor(1)) as { distribution: string }[];
    expect(told.map((e) => e.distribution)).toEqual([open]);
    expect(JSON.stringify(anonymous.messages)).not.toContain('vault');
  });

  it('fills a page of uploads and builds with visible rows: private ones are left out in the query', async () => {
    const uploads = await api(daemon.url, 'uploads', { input: { limit: 1 } });
    expect(uploads.body.map((u: { id: number }) => u.id)).toEqual([seeded.open.uploadId]);
    const builds = await api(daemon.url, 'builds', { input: { limit: 1 } });
    expect(builds.body.map((b: { id: number }) => b.id)).toEqual([seeded.open.buildId]);
    const all = await api(daemon.url, 'builds', { input: { limit: 1 }, token: admin });
    expect(all.body.map((b: { id: number }) => b.id)).toEqual([seeded.vault.buildId]);
    const paged = await api(daemon.url, 'uploads', {
      input: { limit: 1, before: seeded.open.uploadId + 1 },
    });
    expect(paged.body.map((u: { id: number }) => u.id)).toEqual([seeded.open.uploadId]);
  });

  it('shows anonymous visitors pages with no trace of a private repository', async () => {
    for (const page of ['/', '/events', '/uploads', '/repositories', '/packages?q=zqp']) {
      const html = await (await get(page)).text();
      expect(html, page).not.toContain('vault');
      expect(html, page).not.toContain('zqpriv');
      // A logged-in user sees it (the package search lists names only).
      const seen = await (await get(page, { cookie })).text();
      expect(seen, page).toContain(page === '/packages?q=zqp' ? 'zqpriv' : 'vault');
    }
    // Each page of a private thing is the page of a missing one.
    const same = async (secret: string, missing: string, names: [string, string]) => {
      const [a, b] = await Promise.all([get(secret), get(missing)]);
      expect([a.status, b.status], secret).toEqual([404, 404]);
      expect(main(await a.text()).replaceAll(names[0], names[1]), secret).toBe(
        main(await b.text()),
      );
      expect((await get(secret, { cookie })).status, secret).toBe(200);
    };
    const { buildId, uploadId } = seeded.vault;
    await same(`/builds/${buildId}`, '/builds/999999', [String(buildId), '999999']);
    await same(`/uploads/${uploadId}`, '/uploads/999999', [String(uploadId), '999999']);
    await same('/repositories/vault', '/repositories/nosuch', ['vault', 'nosuch']);
    await same('/install/vault', '/install/nosuch', ['vault', 'nosuch']);
    const pkg = await get('/packages/zqpriv');
    const none = await get('/packages/nosuch');
    expect(pkg.status).toBe(none.status);
    expect(main(await pkg.text()).replaceAll('zqpriv', 'nosuch')).toBe(main(await none.text()));
    expect(await (await get('/packages/zqpriv', { cookie })).text()).toContain(DIST);
  });
});
