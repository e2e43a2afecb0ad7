import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { adminPassword, adminToken, api, webLogin } from '../helpers/api.js';
import { IsolatedApt } from '../helpers/apt.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { buildDeb, buildSource } from '../helpers/debian-packages.js';
import { persistentTempDir } from '../helpers/temp-dir.js';

// One daemon for the file; one private repository "secret" with one package.
let daemon: Daemon;
let root: string;
let admin: string;
const { codename, architecture } = detectHostSystem();
const DIST = `${codename}-secret-unstable`;
const DATES = ['-o', 'Acquire::Check-Date=true', '-o', 'Acquire::Check-Valid-Until=true'];

/** A POST as the admin, or with no token at all (null). */
const post = (name: string, input: Record<string, unknown>, token: string | null = admin) =>
  api(daemon.url, name, { method: 'POST', input, token: token ?? undefined });
const archive = () => (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;

beforeAll(async () => {
  root = persistentTempDir('debyard-private-');
  daemon = await startTestDaemon(path.join(root, 'home'));
  admin = await adminToken(daemon);
  const added = await post('repository_add', {
    id: 'secret',
    private: true,
    codename,
    architectures: architecture,
  });
  if (added.status !== 200) throw new Error(JSON.stringify(added.body));
  const dir = path.join(root, 'pkgs');
  const dsc = buildSource(dir, { name: 'hello', version: '1.0' });
  const deb = buildDeb(dir, {
    name: 'hello',
    version: '1.0',
    architecture,
    files: { 'usr/bin/hello': '#!/bin/sh\necho private hello\n' },
  });
  await archive().archive.install({ distribution: DIST, packages: [{ dsc, debs: [deb] }] });
  await archive().idle();
});
afterAll(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

function client(name: string, authConf?: string): IsolatedApt {
  const dir = path.join(root, `apt-${name}`);
  rmSync(dir, { recursive: true, force: true });
  const apt = new IsolatedApt(dir, architecture);
  const keyring = path.join(dir, 'key.asc');
  writeFileSync(keyring, readFileSync(path.join(root, 'pub_key.asc')));
  apt.addSource('secret', {
    uri: `${daemon.url}/repos/secret/`,
    suites: [DIST],
    components: ['main'],
    signedBy: keyring,
    types: 'deb',
  });
  if (authConf !== undefined) {
    const conf = path.join(dir, 'etc/apt/auth.conf.d');
    mkdirSync(conf, { recursive: true });
    writeFileSync(path.join(conf, 'debyard-secret.conf'), authConf);
    chmodSync(path.join(conf, 'debyard-secret.conf'), 0o600);
  }
  return apt;
}

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${daemon.url}${url}`, { headers });
const basic = (login: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`,
});

describe('private repositories', () => {
  let token: { id: number; login: string; password: string; authConf: string };

  it('answers 401 for a private repository and for a missing one alike; public ones as before', async () => {
    writeFileSync(path.join(root, 'pub_key.asc'), await (await get('/api/v1/pub_key')).text());
    const secret = await get(`/repos/secret/dists/${DIST}/Release`);
    const missing = await get(`/repos/nosuch/dists/${DIST}/Release`);
    expect([secret.status, missing.status]).toEqual([401, 401]);
    expect(secret.headers.get('www-authenticate')).toBe(missing.headers.get('www-authenticate'));
    expect(secret.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await secret.text()).toBe(await missing.text());
    expect((await get(`/repos/test/dists/${codename}-test-unstable/Release`)).status).toBe(200);
    expect((await get('/repos/test/dists/nosuch/Release')).status).toBe(404);
    // Nor do the repository list and the install page tell anonymous visitors.
    const anonymous = await api(daemon.url, 'repositories');
    expect(anonymous.body.map((r: { id: string }) => r.id)).toEqual(['test']);
    const listed = await api(daemon.url, 'repositories', { token: admin });
    expect(listed.body.find((r: { id: string }) => r.id === 'secret').private).toBe(true);
    const page = await get('/install/secret');
    const none = await get('/install/nosuch');
    expect([page.status, none.status]).toEqual([404, 404]);
    const main = (html: string) => /<main>([\s\S]*)<\/main>/.exec(html)![1]!;
    expect(main(await page.text()).replace('secret', 'nosuch')).toBe(main(await none.text()));
  });

  it('makes read tokens of private repositories only, for admins only', async () => {
    expect((await post('read_token_create', { repo: 'secret' }, null)).status).toBe(401);
    const open = await post('read_token_create', { repo: 'test' });
    expect(open.status).toBe(400);
    expect(open.body.detail).toMatch(/^repository test is public/);
    const none = await post('read_token_create', { repo: 'nosuch' });
    expect(none.status).toBe(404);
    const past = await post('read_token_create', { repo: 'secret', expires: '2020-01-01' });
    expect(past.status).toBe(400);
    expect(past.body.detail).toMatch(/^expires: .* is not in the future/);
    const made = await post('read_token_create', { repo: 'secret', name: 'host1', expires: '30d' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    token = made.body;
    expect(token.authConf).toBe(
      `machine ${daemon.url}/repos/secret/ login ${token.login} password ${token.password}\n`,
    );
    const listed = await api(daemon.url, 'read_tokens', { token: admin });
    expect(JSON.stringify(listed.body)).not.toContain(token.password);
    // Only a digest is kept: the secret is in no file of the home.
    expect(filesHolding(daemon.layout.root, token.password)).toEqual([]);
    const audit = await api(daemon.url, 'events', { input: { type: 'AUDIT', user: 'admin' } });
    const line = audit.body.find((e: { message: string }) =>
      e.message.includes('read-token-create'),
    );
    expect(line.message).toMatch(
      /^admin: read-token-create repo=secret name=host1 expires=30d: done$/,
    );
  });

  it('apt without credentials gets 401 and nothing; with auth.conf.d it installs', async () => {
    const anonymous = client('anonymous');
    const refused = await anonymous.aptGet(['update'], DATES);
    expect(refused.output).toMatch(/401\s+Unauthorized/);
    expect(refused.problems.length).toBeGreaterThan(0);
    expect((await anonymous.aptGet(['install', 'hello'], DATES)).code).not.toBe(0);

    const trusted = client('trusted', token.authConf);
    const update = await trusted.aptGet(['update'], DATES);
    expect(update.problems, update.output).toEqual([]);
    expect(update.code).toBe(0);
    const install = await trusted.aptGet(['install', 'hello'], DATES);
    expect(install.code, install.output).toBe(0);
    expect(readFileSync(path.join(trusted.root, 'usr/bin/hello'), 'utf8')).toContain(
      'private hello',
    );
  });

  it('shows logged-in users how to use auth.conf.d, never a token', async () => {
    const { cookie } = await webLogin(daemon.url, 'admin', adminPassword(daemon));
    const page = await get('/install/secret', { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/etc/apt/auth.conf.d/debyard-secret.conf');
    expect(html).toContain(`machine ${daemon.url}/repos/secret/ login read-ID password SECRET`);
    expect(html).toContain('debyard read-token-create secret --name HOSTNAME');
    expect(html).not.toContain(token.password);
  });

  it('stops a revoked token at once', async () => {
    const credentials = basic(token.login, token.password);
    expect((await get(`/repos/secret/dists/${DIST}/Release`, credentials)).status).toBe(200);
    const revoked = await post('read_token_revoke', { id: token.id });
    expect(revoked.status).toBe(200);
    expect((await get(`/repos/secret/dists/${DIST}/Release`, credentials)).status).toBe(401);
    const update = await client('revoked', token.authConf).aptGet(['update'], DATES);
    expect(update.output).toMatch(/401\s+Unauthorized/);
    const again = await post('read_token_revoke', { id: token.id });
    expect(again.status).toBe(400);
    expect(again.body.detail).toMatch(/was revoked at .* already/);
  });
});

function filesHolding(dir: string, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    const stat = statSync(file);
    if (stat.isDirectory()) found.push(...filesHolding(file, text));
    else if (stat.isFile() && readFileSync(file).includes(text)) found.push(file);
  }
  return found;
}
