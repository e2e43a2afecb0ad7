import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { api, userWithToken, startAdminDaemon } from '../fixtures/index.js';
import { makeKey } from '../fixtures/subsystems.js';

// Git sources through the API without builds: ssh deploy keys, refused input. One
// daemon, a few seconds.
const { codename } = detectHostSystem();
let daemon: Daemon;
let admin: string;
let stop: () => Promise<void>;
let staff: string;

beforeAll(async () => {
  ({ daemon, admin, stop } = await startAdminDaemon());
  staff = (await userWithToken(daemon, admin, 'sam', 'staff')).token;
});
afterAll(async () => {
  await stop?.();
});

const add = (input: Record<string, unknown>, token = admin) =>
  api(daemon.url, 'git_source_add', { method: 'POST', token, input });

describe('git sources', () => {
  it('makes a deploy key for an ssh URL, shows its public half, and removes it with the source', async () => {
    const added = await add({
      name: 'tool',
      url: 'git@git.example.org:team/tool.git',
      tags: 'debian/*',
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.deployKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ debyard git source tool$/);
    expect(added.body.secret).toMatch(/^[0-9a-f]{48}$/);
    const keyFile = path.join(daemon.layout.keys, 'git', 'tool');
    expect(readFileSync(keyFile, 'utf8')).toContain('OPENSSH PRIVATE KEY');
    const listed = await api(daemon.url, 'git_sources', { token: staff });
    expect(listed.body).toEqual([
      expect.objectContaining({ name: 'tool', deployKey: added.body.deployKey }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(added.body.secret);
    const again = await add({ name: 'tool', url: '/srv/git/tool.git', tags: 'x' });
    expect([again.status, again.body.detail]).toEqual([
      409,
      'there is a git source named tool already',
    ]);
    const removed = await api(daemon.url, 'git_source_remove', {
      method: 'POST',
      token: admin,
      input: { name: 'tool' },
    });
    expect(removed.status).toBe(200);
    expect(existsSync(keyFile)).toBe(false);
    expect((await api(daemon.url, 'git_sources', { token: staff })).body).toEqual([]);
  });

  it('refuses what cannot work, naming every problem', async () => {
    const bad = await add({
      name: 'bad',
      url: 'ext::sh -c touch% /tmp/x',
      tags: 'debian/[0-9]',
      distribution: `${codename}-test-testing`,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([
      expect.objectContaining({ where: 'url' }),
      expect.objectContaining({ where: 'tags', message: expect.stringMatching(/characters/) }),
      expect.objectContaining({
        where: 'distribution',
        message: expect.stringMatching(/takes no uploads/),
      }),
    ]);
    const nothing = await add({ name: 'idle', url: '/srv/git/idle.git' });
    expect(nothing.body.detail).toMatch(/name a tag pattern/);
    const half = await add({
      name: 'half',
      url: '/srv/git/h.git',
      tags: 'v*',
      status_forge: 'github',
    });
    expect(half.status).toBe(400);
    expect(half.body.detail).toMatch(/need all three/);
    expect((await add({ name: 'x', url: '/srv/git/x.git', tags: 'v*' }, staff)).status).toBe(403);
    const unknown = await api(daemon.url, 'git_build', {
      method: 'POST',
      token: staff,
      input: { name: 'nosuch', ref: 'v1' },
    });
    expect([unknown.status, unknown.body.detail]).toEqual([
      404,
      'there is no git source named nosuch (debyard git-sources lists them)',
    ]);
    expect((await api(daemon.url, 'git_sources', { token: admin })).body).toEqual([]);
  });

  it('takes DEP-14 layouts and a signing key the daemon holds; refuses the rest clearly', async () => {
    const tag = await add({
      name: 'tagged',
      url: '/srv/git/t.git',
      tags: 'debian/*',
      layout: 'pristine-tar',
      upstream_tag: 'v%(version)s',
      poll_minutes: 15,
    });
    expect(tag.status, JSON.stringify(tag.body)).toBe(200);
    expect(tag.body).toMatchObject({
      layout: 'pristine-tar',
      upstreamTag: 'v%(version)s',
      signingKey: null,
      pollMinutes: 15,
    });
    const plain = await add({ name: 'plain', url: '/srv/git/p.git', tags: 'debian/*' });
    expect(plain.body).toMatchObject({ layout: 'native', upstreamTag: 'upstream/%(version)s' });
    const badTag = await add({
      name: 'badtag',
      url: '/srv/git/b.git',
      tags: 'debian/*',
      layout: 'upstream-tag',
      upstream_tag: 'upstream/latest',
    });
    expect([badTag.status, badTag.body.problems]).toEqual([
      400,
      [
        expect.objectContaining({
          where: 'upstream_tag',
          message: expect.stringMatching(/has no %\(version\)s/),
        }),
      ],
    ]);
    const nativeTag = await add({
      name: 'nativetag',
      url: '/srv/git/n.git',
      tags: 'debian/*',
      upstream_tag: 'v%(version)s',
    });
    expect(nativeTag.body.problems).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/native layout takes no upstream tag/),
      }),
    ]);
    // The watch layout: downloads only from below prefixes the admin gives, http(s) folders.
    const watch = await add({
      name: 'watched',
      url: '/srv/git/w.git',
      tags: 'debian/*',
      layout: 'watch',
      orig_url_prefix: 'https://download.example.org/w,http://127.0.0.1:8080/pub/',
    });
    expect(watch.status, JSON.stringify(watch.body)).toBe(200);
    expect(watch.body).toMatchObject({
      layout: 'watch',
      origUrlPrefixes: ['https://download.example.org/w/', 'http://127.0.0.1:8080/pub/'],
    });
    const unbounded = await add({ name: 'w1', url: '/srv/git/w.git', tags: 'v*', layout: 'watch' });
    expect([unbounded.status, unbounded.body.problems]).toEqual([
      400,
      [
        expect.objectContaining({
          where: 'orig_url_prefix',
          message: expect.stringMatching(/downloads only from below the URL prefixes you give/),
        }),
      ],
    ]);
    const badPrefix = await add({
      name: 'w2',
      url: '/srv/git/w.git',
      tags: 'v*',
      layout: 'watch',
      orig_url_prefix: 'ftp://ftp.example.org/pub/,https://a:b@example.org/x/',
      upstream_tag: 'v%(version)s',
    });
    expect(badPrefix.body.problems).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/watch layout takes no upstream tag/),
      }),
      expect.objectContaining({ message: expect.stringMatching(/ftp:.* is not http\(s\)/) }),
      expect.objectContaining({ message: expect.stringMatching(/holds a user or password/) }),
    ]);
    const notWatch = await add({
      name: 'w3',
      url: '/srv/git/w.git',
      tags: 'v*',
      orig_url_prefix: 'https://example.org/x/',
    });
    expect(notWatch.body.problems).toEqual([
      expect.objectContaining({ message: 'only the watch layout downloads: name --layout watch' }),
    ]);
    const layout = await add({ name: 'l', url: '/srv/git/l.git', tags: 'v*', layout: 'gbp' });
    expect(layout.status).toBe(400);
    expect(layout.body.detail).toMatch(/layout/);
    // Signing keys: the instance key, or a secret key in keys/signing that is an uploader key.
    const archive = daemon.parts.find((p) => p.name === 'archive') as ArchivePart;
    const instance = archive.signer().key.fingerprint;
    const team = await makeKey('Team');
    const withKey = (name: string, key: string) =>
      add({ name, url: `/srv/git/${name}.git`, tags: 'debian/*', signing_key: key });
    const notHeld = await withKey('k1', team.fingerprint);
    expect([notHeld.status, notHeld.body.detail]).toEqual([
      400,
      expect.stringMatching(
        new RegExp(`holds no secret key ${team.fingerprint}: put it .*keys/signing/`),
      ),
    ]);
    mkdirSync(path.join(daemon.layout.keys, 'signing'), { recursive: true });
    writeFileSync(path.join(daemon.layout.keys, 'signing', 'team.asc'), team.privateKey.armor());
    const notUploader = await withKey('k2', team.fingerprint);
    expect(notUploader.body.detail).toMatch(/is no uploader key: add its public half \(key-add\)/);
    const keyAdded = await api(daemon.url, 'key_add', {
      method: 'POST',
      token: admin,
      input: { key: team.publicArmored },
    });
    expect(keyAdded.status).toBe(200);
    const held = await withKey('k3', team.fingerprint.toLowerCase());
    expect([held.status, held.body.signingKey]).toEqual([200, team.fingerprint]);
    const own = await withKey('k4', instance);
    expect([own.status, own.body.signingKey]).toEqual([200, null]);
    writeFileSync(path.join(daemon.layout.keys, 'signing', 'junk.asc'), 'not a key');
    const junk = await withKey('k5', team.fingerprint);
    expect(junk.body.detail).toMatch(/junk\.asc holds no usable secret key/);
  });
});
