import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  adminPassword,
  buildDeb,
  buildSource,
  persistentTempDir,
  startTestDaemon,
  webLogin,
} from '../fixtures/index.js';
import { makeKey } from '../fixtures/subsystems.js';

// Every form of the web UI over plain HTTP: a post answers 303 to a GET page (Post/
// Redirect/Get), that page shows the outcome once, and loading it again neither posts
// nor 404s. One daemon, about 15 s.
const { codename, architecture } = detectHostSystem();
const UNSTABLE = `${codename}-test-unstable`;
let root: string;
let daemon: Daemon;
let admin: { cookie: string; csrf: string };
let fingerprint: string;
let publicKey: string;
let binaryKey: Awaited<ReturnType<typeof makeKey>>;

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  admin = await webLogin(daemon.url, 'admin', adminPassword(daemon));
  const key = await makeKey('Pat');
  fingerprint = key.fingerprint;
  publicKey = key.publicArmored;
  binaryKey = await makeKey('Bin');
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

const post = (url: string, fields: Record<string, string>) =>
  fetch(`${daemon.url}${url}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: admin.csrf, ...fields }),
  });
const get = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${daemon.url}${url}`, {
    headers: { cookie: admin.cookie, ...headers },
  });
  return { status: response.status, html: await response.text() };
};
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&#34;');

/** A form post, where it must lead, and what that page then says (once). */
type Form = [url: string, fields: () => Record<string, string>, to: string, says: string | RegExp];

const LAYOUT = 'unstable:uploadable,migrates-to=stable,rollbacks=1\nstable:rollbacks=1';
const FORMS: Form[] = [
  ['/layouts', () => ({ name: 'prg', suites: LAYOUT }), '/layouts', 'Layout prg added.'],
  ['/layouts/prg/update', () => ({ suites: LAYOUT }), '/layouts', 'Layout prg updated.'],
  [
    '/repositories',
    () => ({ id: 'prg', layout: 'prg', codename, architectures: architecture }),
    '/repositories',
    'Repository prg added.',
  ],
  ['/repositories', () => ({ id: 'prg' }), '/repositories', 'repository prg already exists'],
  [
    '/repositories/prg/update',
    () => ({ description: 'changed' }),
    '/repositories/prg',
    'Repository prg updated.',
  ],
  [
    '/repositories/prg/distributions',
    () => ({ codename: 'trixie', architectures: architecture }),
    '/repositories/prg',
    'Distribution trixie added.',
  ],
  [
    '/repositories/prg/distributions/trixie/update',
    () => ({ architectures: architecture }),
    '/repositories/prg',
    'Distribution updated.',
  ],
  [
    '/repositories/prg/reindex',
    () => ({ distribution: 'trixie-prg-unstable' }),
    '/repositories/prg',
    'Republished trixie-prg-unstable.',
  ],
  [
    '/repositories/prg/distributions/trixie/remove',
    () => ({}),
    '/repositories/prg',
    'Distribution removed.',
  ],
  ['/repositories/prg/remove', () => ({}), '/repositories', 'Repository prg removed.'],
  ['/layouts/prg/remove', () => ({}), '/layouts', 'Layout prg removed.'],
  ['/users', () => ({ name: 'pat', role: 'login' }), '/users', 'User pat added.'],
  ['/users/pat/role', () => ({ role: 'staff' }), '/users', 'pat now has role staff.'],
  ['/users/pat/disable', () => ({}), '/users', 'pat is disabled.'],
  ['/users/pat/enable', () => ({}), '/users', 'pat is enabled again.'],
  ['/tokens', () => ({ name: 'prg' }), '/tokens', /dby_[A-Za-z0-9_-]{43}/],
  ['/tokens/4242/revoke', () => ({}), '/tokens', 'you have no token 4242'],
  ['/keys', () => ({ key: publicKey }), '/keys', /^Added [0-9A-F]{40}\./],
  [
    `/uploaders/FINGERPRINT`,
    () => ({ repositories: 'test', binary: 'test' }),
    '/uploaders',
    / may upload to test\+binary\.$/,
  ],
  [
    `/uploaders/FINGERPRINT`,
    () => ({ repositories: 'test' }),
    '/uploaders',
    / may upload to test\.$/,
  ],
  ['/uploaders/FINGERPRINT/remove', () => ({}), '/uploaders', /^Key [0-9A-F]{40} removed\.$/],
  ['/keys/FINGERPRINT/remove', () => ({}), '/keys', /^there is no uploader key/],
  ['/remotes/nosuch/check', () => ({}), '/remotes', /^there is no remote peer nosuch/],
  ['/remotes/nosuch/remove', () => ({}), '/remotes', /^there is no remote peer nosuch/],
  ['/remotes', () => ({ name: 'x' }), '/remotes', /^invalid input for remote_add: /],
  ['/remotes/scan', () => ({}), '/remotes', /^invalid input for remote_scan: host/],
  [
    '/apt-sources',
    () => ({ name: 'extras', url: 'http://127.0.0.1:9/', suites: 'x', distributions: UNSTABLE }),
    '/apt-sources',
    'give the key the source is signed with (--key), or mark it --unsigned explicitly',
  ],
  ['/apt-sources/nosuch/remove', () => ({}), '/apt-sources', /^there is no extra source nosuch/],
  [
    '/apt-sources/nosuch/update',
    () => ({ priority: '600', suites: 'x' }),
    '/apt-sources',
    /^there is no extra source nosuch/,
  ],
  [
    '/apt-sources/nosuch/update',
    () => ({ priority: 'high' }),
    '/apt-sources',
    /^invalid input for apt_source_update: priority/,
  ],
  [
    '/mirrors',
    () => ({
      name: 'ext',
      url: 'http://127.0.0.1:9/',
      suites: 'x',
      architectures: 'amd64',
      filter: 'app |',
    }),
    '/mirrors',
    'give the key the repository is signed with (--key), or mark it --unsigned explicitly',
  ],
  ['/mirrors/nosuch/update', () => ({}), '/mirrors', /^there is no mirror nosuch/],
  ['/mirrors/nosuch/remove', () => ({}), '/mirrors', /^there is no mirror nosuch/],
  ['/chroots', () => ({ codename: 'Nope' }), '/chroots', /^invalid input for chroot_create: /],
  ['/chroots/nosuch/amd64/update', () => ({}), '/chroots', /nosuch/],
  ['/chroots/nosuch/amd64/remove', () => ({}), '/chroots', /nosuch/],
  [
    '/git',
    () => ({
      name: 'prg',
      url: '/srv/git/prg.git',
      tags: 'debian/*',
      layout: 'pristine-tar',
      upstream_tag: 'v%(version)s',
      poll_minutes: '30',
    }),
    '/git',
    'Git source prg added.',
  ],
  [
    '/git',
    () => ({ name: 'lay', url: '/srv/git/l.git', tags: 'v*', upstream_tag: 'v%(version)s' }),
    '/git',
    /upstream_tag: the native layout takes no upstream tag/,
  ],
  [
    '/git',
    () => ({ name: 'bad', url: 'relative' }),
    '/git',
    /^git source bad cannot be added: url: /,
  ],
  ['/git/prg/poll', () => ({}), '/git', /^listing the refs of \/srv\/git\/prg\.git exited/],
  ['/git/prg/remove', () => ({}), '/git', 'Git source prg removed.'],
  [
    '/git/prg/remove',
    () => ({}),
    '/git',
    'there is no git source named prg (debyard git-sources lists them)',
  ],
  ['/incoming/pause', () => ({ reason: 'prg' }), '/#panel-incoming', /paused/],
  ['/incoming/resume', () => ({}), '/#panel-incoming', /open/],
  [
    '/packages/webpkg/migrate',
    () => ({ distribution: UNSTABLE }),
    `/packages/webpkg/migrate?distribution=${UNSTABLE}`,
    `Migrate webpkg from ${UNSTABLE} to the next suite?`,
  ],
  [
    '/packages/webpkg/migrate',
    () => ({ distribution: UNSTABLE, confirmed: 'yes' }),
    '/packages/webpkg',
    `webpkg 1.0 migrated to ${codename}-test-testing.`,
  ],
  [
    '/packages/webpkg/remove',
    () => ({ distribution: 'nowhere', confirmed: 'yes' }),
    '/packages/webpkg',
    /^invalid input for remove: distribution: /,
  ],
];

/** The notice or error a page shows (unescaped), or the marker the page itself has. */
function said(html: string): string | null {
  const message = /<p class="(?:notice|error)" role="(?:status|alert)">([^<]*)<\/p>/.exec(html);
  return message ? message[1]!.replace(/&#34;/g, '"').replace(/&amp;/g, '&') : null;
}

describe('forms in the web UI (Post/Redirect/Get)', () => {
  it.each(FORMS.map((form, i) => [i + 1, form[0], form] as const))(
    '%i: POST %s redirects to a page that shows the outcome once',
    async (_n, url, [, fields, to, says]) => {
      const posted = await post(url.replace('FINGERPRINT', fingerprint), fields());
      expect([posted.status, posted.headers.get('location')]).toEqual([303, to]);
      const page = await get(to.replace(/#.*$/, ''));
      const isQuestion = to.includes('?');
      // A question, a secret shown once or the dashboard's panel: the page itself says it.
      const shown = isQuestion ? page.html : (said(page.html) ?? page.html);
      if (typeof says === 'string') expect(shown).toContain(isQuestion ? escaped(says) : says);
      else expect(shown).toMatch(says);
      // Loaded again (a reload, or back to it): a GET of the page, without the outcome.
      const again = await get(to.replace(/#.*$/, ''));
      expect(again.status).toBe(200);
      if (!isQuestion) expect(said(again.html)).toBeNull();
    },
  );

  it("leaves the outcome for the page, not for the live updates' background load of it", async () => {
    expect((await post('/users', { name: 'bea', role: 'login' })).status).toBe(303);
    const background = await get('/users', { 'x-debyard-refresh': '1' });
    expect(said(background.html)).toBeNull();
    expect(said((await get('/users')).html)).toBe('User bea added.');
  });

  it('shows and sets the right to upload binary packages on the uploaders page', async () => {
    expect((await post('/keys', { key: binaryKey.publicArmored })).status).toBe(303);
    const checked = (html: string, field: string) => {
      const row = new RegExp(`<tr data-fingerprint="${binaryKey.fingerprint}">([\\s\\S]*?)</tr>`);
      return (row.exec(html)?.[1] ?? '').includes(`name="${field}" value="test" checked`);
    };
    const saved = await post(`/uploaders/${binaryKey.fingerprint}`, { binary: 'test' });
    expect(saved.status).toBe(303);
    let page = (await get('/uploaders')).html;
    // A binary right brings its repository.
    expect([checked(page, 'repositories'), checked(page, 'binary')]).toEqual([true, true]);
    expect(
      (await post(`/uploaders/${binaryKey.fingerprint}`, { repositories: 'test' })).status,
    ).toBe(303);
    page = (await get('/uploaders')).html;
    expect([checked(page, 'repositories'), checked(page, 'binary')]).toEqual([true, false]);
  });

  it('keeps the status of a refused form for the page it leads to, once', async () => {
    const refused = await post('/repositories', { id: 'Bad Id' });
    expect(refused.status).toBe(303);
    const page = await get('/repositories');
    expect(page.status).toBe(400);
    expect(said(page.html)).toMatch(/^invalid input for repository_add: id: /);
    expect(page.html).toContain('value="Bad Id"');
    expect((await get('/repositories')).status).toBe(200);
  });
});
