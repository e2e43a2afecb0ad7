import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { adminToken, api, userWithToken } from '../helpers/api.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { persistentTempDir } from '../helpers/temp-dir.js';

// Git sources through the API without builds: ssh deploy keys, refused input. One
// daemon, a few seconds.
const { codename } = detectHostSystem();
let root: string;
let daemon: Daemon;
let admin: string;
let staff: string;

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  admin = await adminToken(daemon);
  staff = (await userWithToken(daemon, admin, 'sam', 'staff')).token;
});
afterAll(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
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
});
