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
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  adminPassword,
  api,
  buildDeb,
  buildSource,
  IsolatedApt,
  webLogin,
  startAdminDaemon,
} from '../fixtures/index.js';

// One daemon for the file; one private repository "secret" with one package.
let daemon: Daemon;
let root: string;
let admin: string;
let stop: () => Promise<void>;
const { codename, architecture } = detectHostSystem();
const DIST = `${codename}-secret-unstable`;
const DATES = ['-o', 'Acquire::Check-Date=true', '-o', 'Acquire::Check-Valid-Until=true'];

/** A POST as the admin, or with no token at all (null). */
const post = (name: string, input: Record<string, unknown>, token: string | null = admin) =>
  api(daemon.url, name, { method: 'POST', input, token: token ?? undefined });
const archive = () => (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;

beforeAll(async () => {
  ({ root, daemon, admin, stop } = await startAdminDaemon({ prefix: 'debyard-private-' }));
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
  await stop?.();
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

  it('answers anonymous API reads about a private repository as about a missing one', async () => {
    const call = (name: string, input: Record<string, unknown>, token?: string) =>
      api(daemon.url, name, { input, token, headers: { accept: 'application/json' } });
    const same = async (name: string, input: (repo: string) => Record<string, unknown>) => {
      const secret = await call(name, input('secret'));
      const missing = await call(name, input('nosuch'));
      expect(secret.status, name).toBe(missing.status);
      expect(JSON.stringify(secret.body).replaceAll('secret', 'nosuch'), name).toBe(
        JSON.stringify(missing.body),
      );
      return secret;
    };
    // "hello" is only in the private repository: anonymous callers find no trace of it.
    expect((await same('ls', (repo) => ({ package: 'hello', repo }))).body).toEqual({
      versions: [],
    });
    await same('show', (repo) => ({ package: 'hello', repo }));
    expect((await call('ls', { package: 'hello' })).body).toEqual({ versions: [] });
    expect((await call('show', { package: 'hello' })).body).toEqual({ versions: [] });
    expect((await call('search', { pattern: 'hell' })).body).toEqual({ matches: [] });
    const listed = await same('sources_list', (repo) => ({ repo }));
    expect(listed.status).toBe(404);
    expect(listed.body.detail).toBe('there is no repository "secret"');

    // Logged-in users see it as before.
    const ls = await call('ls', { package: 'hello' }, admin);
    expect(ls.body.versions.map((v: { distribution: string }) => v.distribution)).toEqual([DIST]);
    const show = await call('show', { package: 'hello', repo: 'secret' }, admin);
    expect(show.body.versions[0].binaries.length).toBe(1);
    expect((await call('search', { pattern: 'hell' }, admin)).body.matches).toEqual([
      { name: 'hello', kind: 'binary' },
      { name: 'hello', kind: 'source' },
    ]);
    const sources = await call('sources_list', { repo: 'secret' }, admin);
    expect(sources.status, JSON.stringify(sources.body)).toBe(200);
    expect(sources.body.sources).toContain(`${daemon.url}/repos/secret/`);
  });

  it('hides uploads and snapshots of a private repository from anonymous callers', async () => {
    const incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
    const upload = incoming.uploads.insert({
      state: 'REJECTED',
      changesFile: 'hello_1.1_source.changes',
      source: 'hello',
      version: '1.1',
      distribution: DIST,
      repository: 'secret',
      codename,
      suite: 'unstable',
      dscFile: null,
      architectures: [],
      archAll: false,
      options: {},
      signer: null,
      requestedBy: null,
      changedBy: null,
      files: [],
      spoolPath: '',
      reasons: ['a test upload'],
      receivedAt: new Date().toISOString(),
      processedAt: new Date().toISOString(),
    } as Parameters<IncomingPart['uploads']['insert']>[0]);
    const snapshot = await post('snapshot_create', { distribution: DIST, name: 'snap1' });
    expect(snapshot.status, JSON.stringify(snapshot.body)).toBe(200);
    const as = (name: string, input: Record<string, unknown>, token?: string) =>
      api(daemon.url, name, { input, token });

    expect((await as('uploads', { repository: 'secret' })).body).toEqual([]);
    expect((await as('uploads', {})).body.map((u: { id: number }) => u.id)).not.toContain(
      upload.id,
    );
    const one = await as('upload', { upload: upload.id });
    expect([one.status, one.body.detail]).toEqual([404, `there is no upload ${upload.id}`]);
    const none = await as('upload', { upload: upload.id + 1000 });
    expect([none.status, none.body.detail]).toEqual([
      404,
      `there is no upload ${upload.id + 1000}`,
    ]);
    expect((await as('snapshots', { repo: 'secret' })).body).toEqual([]);
    expect((await as('snapshots', { repo: 'nosuch' })).body).toEqual([]);
    expect((await as('snapshots', {})).body).toEqual([]);

    // Logged-in users see them as before.
    const uploads = await as('uploads', { repository: 'secret' }, admin);
    expect(uploads.body.map((u: { id: number }) => u.id)).toEqual([upload.id]);
    expect((await as('upload', { upload: upload.id }, admin)).status).toBe(200);
    const snapshots = await as('snapshots', { repo: 'secret' }, admin);
    expect(snapshots.body.map((s: { name: string }) => s.name)).toEqual(['snap1']);
  });

  it('leaves an unsigned private repository out of the anonymous dput.cf', async () => {
    const updated = await post('repository_update', { id: 'secret', allow_unsigned: true });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const conf = (token?: string) =>
      api(daemon.url, 'dput_conf', { token, headers: { accept: 'application/json' } });
    expect((await conf()).body.dputConf).not.toContain('secret');
    expect((await conf(admin)).body.dputConf).toContain('-secret]');
    expect((await post('repository_update', { id: 'secret', allow_unsigned: false })).status).toBe(
      200,
    );
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
    // (Anonymous callers do not see events about a private repository.)
    const audit = await api(daemon.url, 'events', {
      input: { type: 'AUDIT', user: 'admin' },
      token: admin,
    });
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
