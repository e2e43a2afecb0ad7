import { existsSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { api, buildDeb, buildSource, userWithToken, startAdminDaemon } from '../fixtures/index.js';

// One daemon for the file (~1 s to start); each test uses repositories of its own.
let daemon: Daemon;
let root: string;
let admin: string;
let stop: () => Promise<void>;
let staff: string;
const { codename, architecture } = detectHostSystem();

beforeAll(async () => {
  ({ root, daemon, admin, stop } = await startAdminDaemon());
  staff = (await userWithToken(daemon, admin, 'sam', 'staff')).token;
});
afterAll(async () => {
  await stop?.();
});

/** A POST as the admin, as another user (their token), or with no token at all (null). */
const post = (name: string, input: Record<string, unknown>, token: string | null = admin) =>
  api(daemon.url, name, { method: 'POST', input, token: token ?? undefined });
const get = (name: string, input: Record<string, unknown> = {}) => api(daemon.url, name, { input });
const archive = () => (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;
const published = (repo: string, dist: string) =>
  fetch(`${daemon.url}/repos/${repo}/dists/${dist}/Release`).then((r) => r.status);

async function expectProblem(
  answer: Promise<{ status: number; body: { detail: string } }>,
  status: number,
  detail: string,
) {
  const { status: got, body } = await answer;
  expect({ status: got, detail: body.detail }).toEqual({ status, detail });
}

/** Installs a small source with one binary into a distribution, as a build result would be. */
async function install(dist: string, name: string, version = '1.0') {
  const dir = path.join(root, 'pkgs', `${name}-${version}`);
  const dsc = buildSource(dir, { name, version });
  const deb = buildDeb(dir, { name, version, architecture });
  await archive().archive.install({ distribution: dist, packages: [{ dsc, debs: [deb] }] });
}

describe('repositories', () => {
  it('lists the repositories for anyone, with suites and package counts', async () => {
    const { status, body } = await get('repositories');
    expect(status).toBe(200);
    expect(body[0]).toMatchObject({
      id: 'test',
      layout: 'default',
      allowUnsigned: true,
      suites: ['experimental', 'unstable', 'testing', 'hotfix', 'stable'],
      distributions: [{ codename, architectures: [architecture], components: ['main'] }],
      sources: {},
    });
    await expectProblem(
      get('repositories', { x: 1 }),
      400,
      'invalid input for repositories: x: unknown parameter',
    );
  });

  it('adds a repository with its first distribution and publishes it at once', async () => {
    const added = await post('repository_add', {
      id: 'team',
      description: 'the team',
      codename,
      architectures: `${architecture},arm64`,
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      id: 'team',
      allowUnsigned: false,
      distributions: [
        {
          codename,
          architectures: [architecture, 'arm64'],
          archAllArchitecture: architecture,
          mandatoryArchitectures: [architecture, 'arm64'],
          components: ['main'],
        },
      ],
    });
    await archive().idle();
    expect(await published('team', `${codename}-team-unstable`)).toBe(200);
    await expectProblem(
      post('repository_add', { id: 'team' }),
      409,
      'repository team already exists',
    );

    const updated = await post('repository_update', { id: 'team', allow_unsigned: true });
    expect(updated.body).toMatchObject({
      id: 'team',
      description: 'the team',
      allowUnsigned: true,
    });
    await expectProblem(
      post('repository_update', { id: 'team', layout: 'nosuch' }),
      400,
      'repository team is not valid: layout: unknown layout "nosuch" (known: default)',
    );
    await expectProblem(
      post('repository_update', { id: 'nosuch' }),
      404,
      'there is no repository "nosuch"',
    );
  });

  it('publishes a new repository in one PUBLISHED event that names its 33 distributions', async () => {
    await archive().idle(); // the first start's publish of repository test
    const before = daemon.events.list({ limit: 1 })[0]!.id;
    expect(
      (await post('repository_add', { id: 'quiet', codename, architectures: architecture })).status,
    ).toBe(200);
    await archive().idle();
    const published = daemon.events.list({ afterId: before, types: ['PUBLISHED'] });
    expect(published).toHaveLength(1);
    const [event] = published;
    // 5 suites and their 6 + 9 + 3 + 4 + 6 rollbacks.
    const names = (event!.details.distributions as { name: string }[]).map((d) => d.name);
    expect(names).toHaveLength(33);
    expect(names).toContain(`${codename}-quiet-unstable`);
    expect(names).toContain(`${codename}-quiet-stable-rollback5`);
    expect(event!.details.repository).toBe('quiet');
    expect(event!.message).toMatch(
      new RegExp(
        `^published 33 distributions of quiet: ${codename}-quiet-experimental, .* and 30 more \\(`,
      ),
    );
    // Publishing one distribution again: one event naming it.
    const reindexed = await post('reindex', {
      repo: 'quiet',
      distribution: `${codename}-quiet-unstable`,
    });
    expect(reindexed.status).toBe(200);
    const again = daemon.events.list({ afterId: event!.id, types: ['PUBLISHED'] });
    expect(again.map((e) => e.distribution)).toEqual([`${codename}-quiet-unstable`]);
    expect((await post('repository_remove', { id: 'quiet' })).status).toBe(200);
  });

  it('names every bad field (400), wants a token (401) and the admin role (403)', async () => {
    await expectProblem(
      post('repository_add', { id: 'Bad Id', architectures: 'amd64' }),
      400,
      'invalid input for repository_add: id: must be 1-32 lower-case letters and digits, like test; codename: architectures belong to a distribution: give its codename too',
    );
    await expectProblem(
      post('repository_add', { id: 'x', codename: 'bookworm', architectures: 'AMD64' }),
      400,
      'invalid input for repository_add: architectures.0: "architecture" names are like amd64 or arm64 (lower-case letters, digits and dashes)',
    );
    await expectProblem(
      post('repository_add', { id: 'x', codename: 'bookworm' }),
      400,
      'invalid input for repository_add: architectures: name the architectures of the distribution, e.g. amd64',
    );
    await expectProblem(
      post('repository_add', { id: 'x', codename: 'nosuchcode', architectures: 'amd64' }),
      400,
      'repository x is not valid: distributions[0] (nosuchcode): codeversion "" must be 1-8 letters or digits (e.g. 12 for bookworm); give it for codenames debyard does not know',
    );
    await expectProblem(
      post('repository_update', { id: 'test', allow_unsigned: 'maybe' }),
      400,
      'invalid input for repository_update: allow_unsigned: Expected boolean, received string',
    );
    const calls: [string, Record<string, unknown>][] = [
      ['repository_add', { id: 'denied' }],
      ['repository_update', { id: 'test' }],
      ['repository_remove', { id: 'test' }],
      ['distribution_add', { repo: 'test', codename: 'trixie', architectures: 'amd64' }],
      ['distribution_update', { repo: 'test', codename }],
      ['distribution_remove', { repo: 'test', codename }],
      ['layout_add', { name: 'x', suites: ['alpha:uploadable'] }],
      ['layout_update', { name: 'x', suites: ['alpha:uploadable'] }],
      ['layout_remove', { name: 'x' }],
      ['reindex', { repo: 'test' }],
    ];
    for (const [name, input] of calls) {
      await expectProblem(
        post(name, input, null),
        401,
        `${name} needs a logged-in user with role admin; pass a token`,
      );
      await expectProblem(
        post(name, input, staff),
        403,
        `${name} needs role admin; user sam has role staff`,
      );
    }
    expect((await get('repositories')).body.map((r: { id: string }) => r.id)).not.toContain(
      'denied',
    );
  });
});

describe('distributions', () => {
  it('adds, changes and removes distributions; a removed one leaves the published tree', async () => {
    await post('repository_add', { id: 'dists', codename, architectures: architecture });
    const added = await post('distribution_add', {
      repo: 'dists',
      codename: 'trixie',
      architectures: ['amd64', 'arm64'],
      components: 'main,contrib',
    });
    expect(added.status).toBe(200);
    expect(added.body.distributions[1]).toEqual({
      codename: 'trixie',
      codeversion: '13',
      architectures: ['amd64', 'arm64'],
      archAllArchitecture: 'amd64',
      mandatoryArchitectures: ['amd64', 'arm64'],
      components: ['main', 'contrib'],
      buildLimits: {},
      testModes: {},
    });
    await archive().idle();
    expect(await published('dists', 'trixie-dists-stable-rollback5')).toBe(200);
    const changed = await post('distribution_update', {
      repo: 'dists',
      codename: 'trixie',
      architectures: 'arm64',
    });
    expect(changed.body.distributions[1]).toMatchObject({
      architectures: ['arm64'],
      archAllArchitecture: 'arm64',
      mandatoryArchitectures: ['arm64'],
      components: ['main', 'contrib'],
    });
    await archive().idle();
    const release = await fetch(`${daemon.url}/repos/dists/dists/trixie-dists-unstable/Release`);
    expect(await release.text()).toMatch(/^Architectures: arm64$/m);
    await expectProblem(
      post('distribution_add', { repo: 'dists', codename: 'trixie', architectures: 'amd64' }),
      409,
      'repository dists has trixie already',
    );
    await expectProblem(
      post('distribution_update', { repo: 'dists', codename: 'sid', architectures: 'amd64' }),
      404,
      `repository dists has no distribution sid (it has ${codename}, trixie)`,
    );
    await expectProblem(
      post('distribution_update', { repo: 'dists', codename: 'trixie', arch_all: 'amd64' }),
      400,
      'repository dists is not valid: distributions[1] (trixie): the arch:all architecture "amd64" is not one of its architectures',
    );
    await expectProblem(
      post('distribution_add', { repo: 'dists', codename: 'Trixie', architectures: '' }),
      400,
      'invalid input for distribution_add: codename: must be a codename such as bookworm (lower-case letters, digits); architectures: name at least one architecture',
    );

    const removed = await post('distribution_remove', { repo: 'dists', codename: 'trixie' });
    expect(removed.body.distributions.map((d: { codename: string }) => d.codename)).toEqual([
      codename,
    ]);
    const repoDir = path.join(daemon.layout.repos, 'dists');
    expect(existsSync(path.join(repoDir, 'dists', 'trixie-dists-unstable'))).toBe(false);
    expect(existsSync(path.join(repoDir, '.publish', 'trixie-dists-unstable'))).toBe(false);
    expect(await published('dists', 'trixie-dists-unstable')).toBe(404);
    expect(await published('dists', `${codename}-dists-unstable`)).toBe(200);
  });
});

describe("a distribution's build limits", () => {
  it('sets its own limits over the builders\' ones, drops them with "default", refuses bad ones', async () => {
    const added = await post('repository_add', {
      id: 'limited',
      codename,
      architectures: architecture,
      limit_memory: '16G',
    });
    expect(added.status).toBe(200);
    expect(added.body.distributions[0].buildLimits).toEqual({ memoryBytes: 16 * 1024 ** 3 });
    const changed = await post('distribution_update', {
      repo: 'limited',
      codename,
      limit_pids: '2048',
      limit_cpus: '1.5',
      limit_disk: '50G',
      limit_memory: 'default',
    });
    expect(changed.body.distributions[0].buildLimits).toEqual({
      pids: 2048,
      cpus: 1.5,
      diskBytes: 50 * 1024 ** 3,
    });
    // Kept in the database, shown by the repositories call.
    const listed = (await get('repositories')).body.find((r: { id: string }) => r.id === 'limited');
    expect(listed.distributions[0].buildLimits).toEqual(changed.body.distributions[0].buildLimits);
    await expectProblem(
      post('distribution_update', {
        repo: 'limited',
        codename,
        limit_pids: '3',
        limit_memory: 'lots',
      }),
      400,
      'invalid input for distribution_update: limit_pids: must be from 16 to 4194304 (or "default"); limit_memory: expected a size such as 512K, 100M or 2G, got "lots" (or "default")',
    );
    expect(
      (await post('distribution_update', { repo: 'limited', codename, limit_pids: 'default' })).body
        .distributions[0].buildLimits,
    ).toEqual({ cpus: 1.5, diskBytes: 50 * 1024 ** 3 });
  });

  it("sets a distribution's test modes per suite; default drops them; bad ones are refused", async () => {
    const set = await post('distribution_update', {
      repo: 'limited',
      codename,
      autopkgtest: 'unstable=errfail,*=ignore',
      installability: 'errfail',
    });
    expect(set.status).toBe(200);
    expect(set.body.distributions[0].testModes).toEqual({
      autopkgtest: { unstable: 'errfail', '*': 'ignore' },
      installability: { '*': 'errfail' },
    });
    const listed = (await get('repositories')).body.find((r: { id: string }) => r.id === 'limited');
    expect(listed.distributions[0].testModes).toEqual(set.body.distributions[0].testModes);
    const dropped = await post('distribution_update', {
      repo: 'limited',
      codename,
      autopkgtest: 'default',
    });
    expect(dropped.body.distributions[0].testModes).toEqual({ installability: { '*': 'errfail' } });
    await expectProblem(
      post('distribution_update', { repo: 'limited', codename, installtest: 'sometimes' }),
      400,
      'invalid input for distribution_update: installtest: "sometimes" is not one of disabled, ignore, errfail',
    );
  });
});

describe('removing what holds packages', () => {
  it('is refused until the packages are gone; then the published tree goes too', async () => {
    await post('repository_add', { id: 'full', codename, architectures: architecture });
    await post('layout_add', { name: 'short', suites: ['unstable:uploadable'] });
    await post('layout_add', { name: 'nounstable', suites: ['stable:uploadable'] });
    const dist = `${codename}-full-unstable`;
    await install(dist, 'fullpkg', '1.0');
    const repos = (await get('repositories')).body as { id: string; sources: object }[];
    expect(repos.find((r) => r.id === 'full')!.sources).toEqual({ [dist]: 1 });
    const refusal = (d: string) =>
      `this would remove distributions that hold packages; remove or migrate them first: ${d}: holds 1 source package`;
    await expectProblem(post('repository_remove', { id: 'full' }), 409, refusal(dist));
    await expectProblem(
      post('distribution_remove', { repo: 'full', codename }),
      409,
      refusal(dist),
    );
    await expectProblem(
      post('repository_update', { id: 'full', layout: 'nounstable' }),
      409,
      refusal(dist),
    );
    // A newer version shifts 1.0 into rollback0, which a layout without rollbacks would drop.
    await install(dist, 'fullpkg', '1.1');
    await expectProblem(
      post('repository_update', { id: 'full', layout: 'short' }),
      409,
      refusal(`${dist}-rollback0`),
    );
    await archive().archive.remove(`${dist}-rollback0`, 'fullpkg');
    expect((await post('repository_update', { id: 'full', layout: 'short' })).status).toBe(200);
    expect(await published('full', `${codename}-full-testing`)).toBe(404);
    expect(existsSync(path.join(daemon.layout.repos, 'full', 'dists', `${dist}-rollback0`))).toBe(
      false,
    );
    expect(await published('full', dist)).toBe(200);

    await archive().archive.remove(dist, 'fullpkg');
    const removed = await post('repository_remove', { id: 'full' });
    expect(removed).toMatchObject({ status: 200, body: { removed: 'full' } });
    expect(existsSync(path.join(daemon.layout.repos, 'full'))).toBe(false);
    // A name that is no public repository gets 401, as a private one does (none is revealed).
    expect(await published('full', dist)).toBe(401);
    await expectProblem(
      post('repository_remove', { id: 'full' }),
      404,
      'there is no repository "full"',
    );
  });
});

describe('layouts', () => {
  it('lists, adds (text or object suites), changes and removes layouts', async () => {
    const added = await post('layout_add', {
      name: 'team',
      suites: [
        'unstable:uploadable,migrates-to=stable,rollbacks=3',
        { name: 'stable', rollbacks: 2, not_automatic: true },
      ],
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      name: 'team',
      builtin: false,
      repositories: [],
      suites: [
        {
          name: 'unstable',
          uploadable: true,
          experimental: false,
          migratesTo: 'stable',
          rollbacks: 3,
          notAutomatic: false,
          butAutomaticUpgrades: false,
        },
        {
          name: 'stable',
          uploadable: false,
          experimental: false,
          migratesTo: null,
          rollbacks: 2,
          notAutomatic: true,
          butAutomaticUpgrades: false,
        },
      ],
    });
    await post('repository_add', {
      id: 'laid',
      layout: 'team',
      codename,
      architectures: architecture,
    });
    const listed = (await get('layouts')).body;
    expect(listed.find((l: { name: string }) => l.name === 'team').repositories).toEqual(['laid']);
    expect(listed.find((l: { name: string }) => l.name === 'default').builtin).toBe(true);
    await archive().idle();
    expect(await published('laid', `${codename}-laid-stable`)).toBe(200);

    // A changed suite flag shows in the published Release at once.
    const changed = await post('layout_update', {
      name: 'team',
      suites: ['unstable:uploadable,migrates-to=stable,rollbacks=3', 'stable:rollbacks=2'],
    });
    expect(changed.body.suites[1].notAutomatic).toBe(false);
    const release = () =>
      fetch(`${daemon.url}/repos/laid/dists/${codename}-laid-stable/Release`).then((r) => r.text());
    await archive().idle();
    expect(await release()).not.toMatch(/^NotAutomatic/m);

    await expectProblem(
      post('layout_add', { name: 'team', suites: ['alpha:uploadable'] }),
      409,
      'layout team exists already',
    );
    await expectProblem(
      post('layout_remove', { name: 'team' }),
      409,
      'layout team is used by repository laid; change those first',
    );
    await expectProblem(
      post('layout_remove', { name: 'default' }),
      403,
      'layout default is built in and cannot be deleted',
    );
    await expectProblem(
      post('layout_remove', { name: 'nosuch' }),
      404,
      'there is no layout "nosuch"',
    );
    await post('layout_add', { name: 'spare', suites: ['alpha:uploadable'] });
    expect((await post('layout_remove', { name: 'spare' })).body).toEqual({ removed: 'spare' });
  });

  it('names every bad suite (400)', async () => {
    await expectProblem(
      post('layout_add', {
        name: 'Bad',
        suites: ['unstable:uploadable,fast', 'stable:rollbacks=x', { name: 'x', bogus: 1 }],
      }),
      400,
      'invalid input for layout_add: name: must be lower-case letters, digits and dashes, like team; suites.0: "fast" is not a suite option (they are: uploadable, experimental, migrates-to=SUITE, rollbacks=N, not-automatic, but-automatic-upgrades); suites.1: "rollbacks=x" is not a suite option (they are: uploadable, experimental, migrates-to=SUITE, rollbacks=N, not-automatic, but-automatic-upgrades); suites.2.bogus: unknown parameter',
    );
    await expectProblem(
      post('layout_add', {
        name: 'loop',
        suites: ['alpha:uploadable,migrates-to=beta', 'beta:migrates-to=alpha'],
      }),
      400,
      'layout loop is not valid: suite alpha: its migrations go round in a circle; suite beta: its migrations go round in a circle',
    );
  });
});

describe('reindex', () => {
  it('rebuilds and republishes a repository or one distribution', async () => {
    const dist = `${codename}-test-unstable`;
    const link = path.join(daemon.layout.repos, 'test', 'dists', dist);
    await expect.poll(() => existsSync(link)).toBe(true);
    const before = Number(path.basename(readlinkSync(link)));
    const one = await post('reindex', { repo: 'test', distribution: dist });
    expect(one).toMatchObject({ status: 200, body: { republished: [dist] } });
    expect(Number(path.basename(readlinkSync(link)))).toBe(before + 1);
    const all = await post('reindex', { repo: 'test' });
    expect(all.body.republished).toHaveLength(5 + 6 + 9 + 3 + 4 + 6);
    expect(Number(path.basename(readlinkSync(link)))).toBe(before + 2);
    await expectProblem(
      post('reindex', { repo: 'test', distribution: `${codename}-team-unstable` }),
      400,
      `${codename}-team-unstable is not a distribution of repository test`,
    );
    await expectProblem(
      post('reindex', { repo: 'nosuch' }),
      404,
      'there is no repository "nosuch"',
    );
    await expectProblem(
      post('reindex', { repo: 'test', distribution: 'nonsense' }),
      400,
      '"nonsense" is not a distribution name; they look like <codename>-<repository>-<suite>, e.g. bookworm-test-unstable',
    );
  });
});
