import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { ExtraSourceView } from '../../../src/archive/extra-sources/extra-sources.js';
import {
  adminPassword,
  adminToken,
  buildDeb,
  GnupgHome,
  persistentTempDir,
  startTestDaemon,
  webLogin,
} from '../../fixtures/index.js';
import { cli, repreproRepository, serveFolder, testHost } from '../../fixtures/subsystems.js';

/**
 * Changing an extra apt source with the real CLI, one daemon (no builds) and a repository
 * made with reprepro, signed with its own key and served over HTTP with a login on
 * loopback: every refused change (no such source, a key that is no key, a key that did not
 * sign, an unsigned source given no key and not kept --unsigned, a distribution that does not
 * exist, a suite the repository lacks) says why and changes nothing; a change is checked
 * again against the key it keeps, and once the repository is signed with another key, only
 * with that new key given; each change is a SOURCE event naming what changed and the
 * distributions whose waiting builds are tried again.
 */
let dir: string;
let upstream: string;
let daemon: Daemon;
let token: string;
let gnupg: GnupgHome;
let key: string;
let newFingerprint: string;
let newKey: string;
let served: Awaited<ReturnType<typeof serveFolder>>;
const { codename, architecture } = testHost();
const unstable = `${codename}-test-unstable`;
const hotfix = `${codename}-test-hotfix`;

const run = (args: string[], stdin = '') =>
  cli([...args, '--server', daemon.url, '--token', token], { stdin });
const sources = async () =>
  JSON.parse((await run(['apt-sources', '--json'])).out) as ExtraSourceView[];
const sourceEvents = async () =>
  (
    JSON.parse((await run(['events', '--type', 'SOURCE', '--json'])).out) as {
      message: string;
      details: { action: string; distributions: string[] };
    }[]
  ).filter((e) => e.details.action === 'updated');

beforeAll(async () => {
  dir = persistentTempDir('debyard-apt-source-update-');
  gnupg = new GnupgHome();
  const fingerprint = gnupg.generateKey('Outside <o@outside.invalid>', 'ed25519', 'sign', 'never');
  key = gnupg.exportKey(fingerprint, true).toString('utf8');
  newFingerprint = gnupg.generateKey('Rotated <r@outside.invalid>', 'ed25519', 'sign', 'never');
  newKey = gnupg.exportKey(newFingerprint, true).toString('utf8');
  mkdirSync(path.join(dir, 'debs'));
  upstream = path.join(dir, 'upstream');
  repreproRepository(upstream, {
    codename: 'outside',
    architecture,
    origin: 'outside-test',
    gnupg,
    signWith: fingerprint,
    debs: [buildDeb(path.join(dir, 'debs'), { name: 'helper', version: '1.0', architecture })],
  });
  served = await serveFolder(upstream, { login: 'builder', password: 's3cret' });
  daemon = await startTestDaemon(path.join(dir, 'home'));
  token = await adminToken(daemon);
  const added = await run(
    [
      'apt-source-add',
      'outside',
      served.url,
      '--suites',
      'outside',
      '--distributions',
      unstable,
      '--login',
      'builder',
      '--password',
      's3cret',
    ],
    key,
  );
  expect(added, added.err).toMatchObject({ code: 0 });
  const plain = await run([
    'apt-source-add',
    'plain',
    served.url,
    '--suites',
    'outside',
    '--distributions',
    unstable,
    '--unsigned',
    '--login',
    'builder',
    '--password',
    's3cret',
  ]);
  expect(plain, plain.err).toMatchObject({ code: 0 });
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await served?.close();
  gnupg?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('apt-source-update', () => {
  it('refuses a bad change with its reason and changes nothing', async () => {
    const before = await sources();
    const refusals: [string[], string, RegExp | string][] = [
      [['nosuch', '--priority', '600'], '', 'there is no extra source nosuch'],
      [['outside'], 'not a key at all', 'not an OpenPGP public key'],
      [['outside'], gnupg.exportKey(newFingerprint, true).toString('utf8'), /not validly signed/],
      [['plain', '--unsigned', 'false'], '', 'extra source plain is unsigned; give the key'],
      [['outside', '--unsigned'], key, 'an unsigned source takes no key'],
      [
        ['outside', '--distributions', `${codename}-test-nosuch`],
        '',
        `unknown distribution ${codename}-test-nosuch`,
      ],
      [
        ['outside', '--suites', 'elsewhere'],
        '',
        /cannot fetch .*dists\/elsewhere\/InRelease: HTTP 404/,
      ],
      [['outside', '--components', 'contrib'], '', 'suite outside of'],
      [['outside', '--login', 'builder', '--password', 'wrong'], '', /HTTP 401/],
      [['outside', '--priority', '5000'], '', /priority/],
    ];
    for (const [args, stdin, says] of refusals) {
      const refused = await run(['apt-source-update', ...args], stdin);
      expect(refused.code, `${args.join(' ')}: ${refused.out}`).not.toBe(0);
      if (typeof says === 'string') expect(refused.err).toContain(says);
      else expect(refused.err).toMatch(says);
    }
    expect(await sources()).toEqual(before);
    expect(await sourceEvents()).toEqual([]);
  });

  it('checks a change against the key it keeps, and stores it', async () => {
    const changed = await run([
      'apt-source-update',
      'outside',
      '--priority',
      '600',
      '--distributions',
      `${unstable},${hotfix}`,
    ]);
    expect(changed, changed.err).toMatchObject({ code: 0 });
    expect(changed.out).toContain('priority 600');
    const [source] = await sources();
    expect(source).toMatchObject({
      priority: 600,
      distributions: [unstable, hotfix],
      auth: 'builder',
      unsigned: false,
    });
    const [event] = await sourceEvents();
    expect(event!.message).toBe(
      `extra source outside updated: distributions ${unstable} → ${unstable}, ${hotfix}; priority 500 → 600`,
    );
    // The distributions whose DEPWAIT builds are tried again (dep-waits.ts hears it).
    expect(event!.details.distributions).toEqual([unstable, hotfix]);
  });

  it('once the repository is signed with another key, takes the change only with that key', async () => {
    const conf = path.join(upstream, 'conf', 'distributions');
    writeFileSync(
      conf,
      `Origin: outside-test\nLabel: outside-test\nCodename: outside\nArchitectures: ${architecture}\nComponents: main\nSignWith: ${newFingerprint}\n`,
    );
    execFileSync('reprepro', ['-b', upstream, 'export'], { env: gnupg.env, stdio: 'pipe' });
    const before = await sources();
    const stale = await run(['apt-source-update', 'outside', '--priority', '700']);
    expect(stale.code).not.toBe(0);
    expect(stale.err).toMatch(/dists\/outside\/InRelease is not validly signed by the given key/);
    expect(await sources()).toEqual(before);
    const rotated = await run(['apt-source-update', 'outside'], newKey);
    expect(rotated, rotated.err).toMatchObject({ code: 0 });
    const [source] = await sources();
    expect(source!.keyFingerprints).toEqual([newFingerprint.toUpperCase()]);
    expect(source!.priority).toBe(600);
    const events = await sourceEvents();
    expect(events[0]!.message).toMatch(
      /^extra source outside updated: key [0-9A-F]{40} → [0-9A-F]{40}$/,
    );
  });

  it("the page's change form, posted as shown with a new priority, changes the source", async () => {
    const admin = await webLogin(daemon.url, 'admin', adminPassword(daemon));
    const page = await fetch(`${daemon.url}/apt-sources`, { headers: { cookie: admin.cookie } });
    const html = await page.text();
    const form = /<form method="post" action="\/apt-sources\/outside\/update"[\s\S]*?<\/form>/.exec(
      html,
    )![0];
    const fields = new URLSearchParams({ _csrf: admin.csrf });
    for (const [, name, value] of form.matchAll(/<input name="(\w+)"[^>]*? value="([^"]*)"/g)) {
      fields.set(name!, value!.replace(/&#34;/g, '"').replace(/&amp;/g, '&'));
    }
    expect([...fields.keys()].sort()).toEqual(
      ['_csrf', 'components', 'distributions', 'priority', 'suites', 'url'].sort(),
    );
    fields.set('priority', '650');
    const posted = await fetch(`${daemon.url}/apt-sources/outside/update`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: fields,
    });
    expect([posted.status, posted.headers.get('location')]).toEqual([303, '/apt-sources']);
    const shown = await fetch(`${daemon.url}/apt-sources`, { headers: { cookie: admin.cookie } });
    expect(await shown.text()).toContain('Extra source outside updated and checked again.');
    const [source] = await sources();
    expect(source).toMatchObject({
      priority: 650,
      distributions: [unstable, hotfix],
      keyFingerprints: [newFingerprint.toUpperCase()],
      auth: 'builder',
    });
  });
});
