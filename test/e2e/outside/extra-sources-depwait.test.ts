import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { SchedulerPart } from '../../../src/app/parts/scheduler-part.js';
import type { BuildInfo } from '../../../src/scheduler/scheduler.js';
import {
  adminToken,
  buildDeb,
  codeversionOf,
  GnupgHome,
  persistentTempDir,
  PipelineUploads,
  startTestDaemon,
} from '../../fixtures/index.js';
import {
  cli,
  importTestChroot,
  repreproRepository,
  serveFolder,
} from '../../fixtures/subsystems.js';

/**
 * Packages from outside, with one daemon and one chroot: a package whose build dependency
 * exists only in another apt repository (made with reprepro, signed with its own key,
 * served over HTTP with a login) waits in DEPWAIT naming it; once that repository is
 * added as an extra source of the distribution the build is tried again at once and
 * builds, through the sandbox's mirror proxy, trusting exactly that key. A build waiting
 * in another suite builds once the archive itself gets the dependency (an upload).
 */
let root: string;
let daemon: Daemon;
let token: string;
let codename: string;
let uploads: PipelineUploads;
let gnupg: GnupgHome;
let repoKey: string;
let otherKey: string;
let served: Awaited<ReturnType<typeof serveFolder>>;
let codeversion: string;
let helloDeb: string;

const scheduler = () =>
  (daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart).scheduler;

/** The build of an upload once it reached one of `states`. */
async function buildOf(uploadId: number, states: string[]): Promise<BuildInfo> {
  let build: BuildInfo | undefined;
  await expect
    .poll(
      () => {
        build = scheduler().list({ uploadId })[0];
        return build?.state;
      },
      { timeout: 150_000, interval: 200 },
    )
    .toBeOneOf(states);
  return build!;
}

const asAdmin = (args: string[], stdin?: string) =>
  cli([...args, '--server', daemon.url, '--token', token], { stdin });

beforeAll(async () => {
  root = persistentTempDir('debyard-outside-');
  const home = path.join(root, 'home');
  let architecture: string;
  ({ codename, architecture } = await importTestChroot(home));
  codeversion = codeversionOf(codename);
  daemon = await startTestDaemon(home);
  token = await adminToken(daemon);
  uploads = new PipelineUploads(daemon, root);
  gnupg = new GnupgHome();
  const fingerprint = gnupg.generateKey(
    'Outside Repo <repo@outside.invalid>',
    'ed25519',
    'sign',
    'never',
  );
  const other = gnupg.generateKey(
    'Somebody Else <else@outside.invalid>',
    'ed25519',
    'sign',
    'never',
  );
  repoKey = gnupg.exportKey(fingerprint, true).toString('utf8');
  otherKey = gnupg.exportKey(other, true).toString('utf8');
  mkdirSync(path.join(root, 'debs'));
  const deb = (helloDeb = buildDeb(path.join(root, 'debs'), {
    name: 'debyard-hello-all',
    version: '1.0',
    architecture: 'all',
    files: { 'usr/bin/debyard-hello-all': '#!/bin/sh\necho hello from outside\n' },
  }));
  repreproRepository(path.join(root, 'repo'), {
    codename: 'outside',
    architecture,
    origin: 'outside-test',
    debs: [deb],
    gnupg,
    signWith: fingerprint,
  });
  served = await serveFolder(path.join(root, 'repo'), { login: 'builder', password: 's3cret' });
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  await served?.close();
  gnupg?.dispose();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

describe('packages from outside', () => {
  let waiting: BuildInfo;
  const unstable = () => `${codename}-test-unstable`;

  it('a build whose build dependency no source has waits in DEPWAIT, naming it', async () => {
    const pkg = await uploads.dput('uses-hello-all', {
      version: `1.0~test${codeversion}+1`,
      distribution: unstable(),
    });
    const upload = await uploads.changesIn(pkg.changes, ['BUILDING', 'PACKAGING']);
    waiting = await buildOf(upload.id, ['DEPWAIT', 'FAILED', 'BUILT']);
    expect(waiting).toMatchObject({
      state: 'DEPWAIT',
      status: 'depwait',
      failStage: 'install-deps',
      reason: 'missing build dependencies: debyard-hello-all',
    });
    const listed = await cli(['builds', '--state', 'depwait', '--server', daemon.url]);
    expect(listed.out).toMatch(
      new RegExp(
        `${waiting.id} +DEPWAIT +debyard-uses-hello-all .*install-deps: missing build dependencies: debyard-hello-all`,
      ),
    );
    const events = await cli(['events', '--type', 'DEPWAIT', '--server', daemon.url]);
    expect(events.out).toContain('waits for build dependencies');
  }, 200_000);

  it('refuses an extra source it cannot trust, and adds nothing', async () => {
    const base = ['apt-source-add', 'outside', served.url, '--suites', 'outside'];
    const target = ['--distributions', unstable(), '--login', 'builder', '--password', 's3cret'];
    const unsigned = await asAdmin([...base, ...target]);
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.err).toContain(
      'give the key the source is signed with (--key), or mark it --unsigned',
    );
    const wrongKey = await asAdmin([...base, ...target], otherKey);
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.err).toMatch(
      /dists\/outside\/InRelease is not validly signed by the given key/,
    );
    const noLogin = await asAdmin([...base, '--distributions', unstable()], repoKey);
    expect(noLogin.err).toMatch(/cannot fetch .*InRelease: HTTP 401/);
    const noSuchDist = await asAdmin(
      [...base, '--distributions', `${codename}-test-nosuch`],
      repoKey,
    );
    expect(noSuchDist.code).not.toBe(0);
    const listed = await asAdmin(['apt-sources']);
    expect(listed.out).toContain('no extra apt sources');
    expect(scheduler().build(waiting.id).state).toBe('DEPWAIT');
  });

  it('once the source is added, the waiting build is tried again and builds from it', async () => {
    const added = await asAdmin(
      [
        'apt-source-add',
        'outside',
        served.url,
        '--suites',
        'outside',
        '--distributions',
        unstable(),
        '--priority',
        '600',
        '--login',
        'builder',
        '--password',
        's3cret',
      ],
      repoKey,
    );
    expect(added, added.err).toMatchObject({ code: 0 });
    expect(added.out).toContain(`priority 600`);
    const upload = await uploads.uploadIn(waiting.uploadId, ['INSTALLED', 'FAILED']);
    expect(upload.state, JSON.stringify(upload.reasons)).toBe('INSTALLED');
    const built = scheduler().build(waiting.id);
    expect(built.state).toBe('BUILT');
    const log = readFileSync(built.logFile!, 'utf8');
    // apt checked its InRelease (Signed-By: its key) and took the .deb from it, logged in.
    const host = served.url.replace(/\/$/, '');
    expect(log).toMatch(new RegExp(`Get:\\d+ ${host} outside InRelease`));
    expect(log).toMatch(
      new RegExp(`Get:\\d+ ${host} outside/main amd64 debyard-hello-all all 1\\.0`),
    );
    expect(log).toContain('wrote /etc/apt/auth.conf.d/debyard-extra-sources.conf');
    expect(served.requests).toContain(
      '/pool/main/d/debyard-hello-all/debyard-hello-all_1.0_all.deb',
    );
    const listed = await asAdmin(['apt-sources']);
    expect(listed.out).toMatch(/outside +http:\/\/127\.0\.0\.1:\d+\/ +outside +main +600/);
  }, 200_000);

  it('a waiting build of another suite builds once the archive gets the dependency', async () => {
    const hotfix = `${codename}-test-hotfix`;
    const pkg = await uploads.dput('uses-hello-all', {
      version: `1.0~test${codeversion}+2`,
      distribution: hotfix,
    });
    const upload = await uploads.changesIn(pkg.changes, ['BUILDING', 'PACKAGING']);
    const build = await buildOf(upload.id, ['DEPWAIT', 'FAILED', 'BUILT']);
    expect(build.state).toBe('DEPWAIT');
    // The archive gets it: an import of the .deb the other repository has.
    const imported = await asAdmin(['import-debs', 'test', hotfix, helloDeb]);
    expect(imported, imported.err).toMatchObject({ code: 0 });
    const done = await uploads.uploadIn(upload.id, ['INSTALLED', 'FAILED']);
    expect(done.state, JSON.stringify(done.reasons)).toBe('INSTALLED');
    const events = await cli(['events', '--upload', String(upload.id), '--server', daemon.url]);
    expect(events.out).toContain(`was installed in ${hotfix}`);
  }, 300_000);
});
