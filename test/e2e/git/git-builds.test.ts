import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import { compareVersions } from '../../../src/debian/index.js';
import {
  adminToken,
  api,
  codeversionOf,
  FIXTURE_PACKAGES,
  type GitHttpServer,
  persistentTempDir,
  PipelineUploads,
  serveGitHttp,
  serveReleases,
  startTestDaemon,
} from '../../fixtures/index.js';
import {
  cli,
  importTestChroot,
  keepToolLayers,
  makeKey,
  PeerHost,
} from '../../fixtures/subsystems.js';

// One daemon and chroot for the file; 5 real builds of an Architecture: all script.
const run = promisify(execFile);

let dir: string;
let daemon: Daemon;
let admin: string;
let forge: GitHttpServer;
let work: string;
let secret: string;
let unstable: string;
let cv: string;
let pipeline: PipelineUploads;
let tagDelivery: { body: string; delivery: string };
/** Commit statuses the daemon sent to the stand-in forge API. */
const statuses: { path: string; auth: string; body: Record<string, string> }[] = [];
let statusApi: Server;

const SOURCE = 'debyard-hello-all';
const git = (...args: string[]) =>
  run('git', ['-c', 'user.name=Packager', '-c', 'user.email=packager@example.org', ...args], {
    cwd: work,
  }).then((r) => r.stdout.trim());

/** A delivery as a forge sends it, with Debian's curl. */
async function deliver(
  name: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const file = path.join(dir, `hook-${randomUUID()}.json`);
  writeFileSync(file, body);
  const { stdout } = await run('curl', [
    '-sS',
    '-w',
    '\n%{http_code}',
    '-H',
    'Content-Type: application/json',
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    '--data-binary',
    `@${file}`,
    `${daemon.url}/api/v1/git_hook/${name}`,
  ]);
  const lines = stdout.split('\n');
  return {
    status: Number(lines.pop()),
    body: JSON.parse(lines.join('\n')) as Record<string, unknown>,
  };
}

const changelogOf = (version: string) =>
  `${SOURCE} (${version}) ${unstable}; urgency=medium\n\n  * Packaged in git.\n\n -- Packager <packager@example.org>  Thu, 01 Jan 2026 00:00:00 +0000\n`;
const hmac = (key: string, body: string) => createHmac('sha256', key).update(body).digest('hex');
const github = (body: string, delivery: string, key = secret) => ({
  'X-GitHub-Event': 'push',
  'X-GitHub-Delivery': delivery,
  'X-Hub-Signature-256': `sha256=${hmac(key, body)}`,
});
const pushBody = (ref: string, after: string) =>
  JSON.stringify({ ref, after, repository: { name: 'hello' } });

async function gitBuilds(): Promise<
  {
    id: number;
    state: string;
    uploadId: number | null;
    version: string | null;
    ref: string;
    commit: string;
  }[]
> {
  const answer = await api(daemon.url, 'git_builds', { token: admin, input: { name: 'hello' } });
  expect(answer.status).toBe(200);
  return answer.body;
}

async function buildEnded(id: number) {
  await expect
    .poll(async () => (await gitBuilds()).find((b) => b.id === id)?.state, {
      timeout: 180_000,
      interval: 250,
    })
    .not.toBe('running');
  return (await gitBuilds()).find((b) => b.id === id)!;
}

beforeAll(async () => {
  dir = persistentTempDir('debyard-git-');
  const home = path.join(dir, 'home');
  const { codename } = await importTestChroot(home);
  cv = codeversionOf(codename);
  unstable = `${codename}-test-unstable`;
  daemon = await startTestDaemon(home);
  admin = await adminToken(daemon);
  pipeline = new PipelineUploads(daemon, dir);
  // The packaging repository: the fixture with a quilt format, its changelog naming the target.
  work = path.join(dir, 'work');
  cpSync(path.join(FIXTURE_PACKAGES, 'hello-all'), work, { recursive: true });
  writeFileSync(path.join(work, 'debian/source/format'), '3.0 (quilt)\n');
  // debian/rules clean of an untrusted tree reaches for the host: it must never run there.
  const rules = readFileSync(path.join(work, 'debian/rules'), 'utf8');
  writeFileSync(
    path.join(work, 'debian/rules'),
    rules.replace('clean:\n', `clean:\n\t-touch ${path.join(dir, 'clean-ran-on-host')}\n`),
  );
  writeFileSync(path.join(work, 'debian/changelog'), changelogOf(`1.0-1~test${cv}+1`));
  mkdirSync(path.join(dir, 'forge'));
  await run('git', ['init', '-q', '--bare', path.join(dir, 'forge', 'hello.git')]);
  await git('init', '-q', '-b', 'debian/latest');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'Initial packaging');
  await git('remote', 'add', 'origin', path.join(dir, 'forge', 'hello.git'));
  await git('push', '-q', 'origin', 'debian/latest');
  forge = await serveGitHttp(path.join(dir, 'forge'));
  // The forge's status API (GitHub's shape): records what it is sent.
  statusApi = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      statuses.push({
        path: req.url ?? '',
        auth: req.headers.authorization ?? '',
        body: JSON.parse(text) as Record<string, string>,
      });
      res.writeHead(201).end('{}');
    });
  });
  await new Promise<void>((resolve) => statusApi.listen(0, '127.0.0.1', resolve));
  const statusUrl = `http://127.0.0.1:${(statusApi.address() as AddressInfo).port}/repos/team/hello`;
  // Added with the real CLI, as an admin would.
  const added = await cli([
    'git-source-add',
    'hello',
    `${forge.url}/hello.git`,
    '--tags',
    'debian/*',
    '--branches',
    'debian/latest',
    '--status-forge',
    'github',
    '--status-url',
    statusUrl,
    '--status-token',
    'forge-token',
    '--server',
    daemon.url,
    '--token',
    admin,
    '--json',
  ]);
  expect(added.code, added.err).toBe(0);
  const source = JSON.parse(added.out) as { secret: string; webhook: string; distribution: null };
  expect(source).toMatchObject({
    webhook: `${daemon.url}/api/v1/git_hook/hello`,
    distribution: null,
  });
  secret = source.secret;
}, 15 * 60_000);

afterAll(async () => {
  await daemon?.stop();
  // pristine-tar's and uscan's tool layers, for the next run (about 25 s each to make).
  if (daemon) await keepToolLayers(path.join(dir, 'home'));
  await forge?.close();
  statusApi?.close();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe('builds from git', () => {
  it('a tag pushed and announced by a signed GitHub webhook is built and installed', async () => {
    const tag = `debian/1.0-1_test${cv}+1`;
    await git('tag', '-a', '-m', 'release', tag);
    await git('push', '-q', 'origin', tag);
    const commit = await git('rev-parse', 'HEAD');
    tagDelivery = { body: pushBody(`refs/tags/${tag}`, commit), delivery: randomUUID() };
    const answer = await deliver(
      'hello',
      github(tagDelivery.body, tagDelivery.delivery),
      tagDelivery.body,
    );
    expect(answer).toMatchObject({ status: 202, body: { result: 'started' } });
    const build = await buildEnded(answer.body.build as number);
    expect(build, JSON.stringify(build)).toMatchObject({
      state: 'uploaded',
      ref: `refs/tags/${tag}`,
      commit,
      version: `1.0-1~test${cv}+1`,
    });
    const upload = await pipeline.uploadIn(build.uploadId!, ['INSTALLED', 'FAILED', 'REJECTED']);
    expect(upload.state, JSON.stringify(upload.reasons)).toBe('INSTALLED');
    expect(existsSync(path.join(dir, 'clean-ran-on-host'))).toBe(false);
    // The forge hears of it: pending once accepted, success once installed, with a link.
    await expect
      .poll(
        () =>
          statuses
            .filter((st) => st.path === `/repos/team/hello/statuses/${commit}`)
            .map((st) => st.body.state),
        { timeout: 10_000 },
      )
      .toEqual(['pending', 'success']);
    expect(statuses[1]).toMatchObject({
      auth: 'Bearer forge-token',
      body: { context: 'debyard', target_url: `${daemon.url}/uploads/${build.uploadId}` },
    });
    // Fetched over git's smart HTTP protocol; the event names repository, ref and commit.
    expect(forge.requests).toContain('POST /git/hello.git/git-upload-pack');
    const events = await api(daemon.url, 'events', { token: admin, input: { type: 'GIT' } });
    expect(events.body).toContainEqual(
      expect.objectContaining({
        uploadId: build.uploadId,
        details: expect.objectContaining({
          url: `${forge.url}/hello.git`,
          ref: `refs/tags/${tag}`,
          commit,
        }),
      }),
    );
  }, 300_000);

  it('refuses unsigned, wrongly signed and replayed deliveries with a problem and an event, building nothing', async () => {
    const before = (await gitBuilds()).length;
    const { body, delivery } = tagDelivery;
    const unsigned = await deliver(
      'hello',
      { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': randomUUID() },
      body,
    );
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.detail).toMatch(/unsigned/);
    const wrong = await deliver('hello', github(body, randomUUID(), 'not-the-secret-at-all'), body);
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toMatch(/X-Hub-Signature-256 does not match/);
    const gitea = await deliver(
      'hello',
      {
        'X-Gitea-Event': 'push',
        'X-Gitea-Delivery': randomUUID(),
        'X-Gitea-Signature': hmac('wrong', body),
      },
      body,
    );
    expect(gitea.status).toBe(401);
    const gitlab = await deliver(
      'hello',
      {
        'X-Gitlab-Event': 'Tag Push Hook',
        'X-Gitlab-Event-UUID': randomUUID(),
        'X-Gitlab-Token': 'wrong',
      },
      body,
    );
    expect(gitlab.status).toBe(401);
    expect(gitlab.body.detail).toMatch(/X-Gitlab-Token/);
    // The same delivery again; then its signed body under a new delivery id.
    const replay = await deliver('hello', github(body, delivery), body);
    expect(replay.status).toBe(409);
    expect(replay.body.detail).toMatch(/received before/);
    const again = await deliver('hello', github(body, randomUUID()), body);
    expect(again).toMatchObject({
      status: 200,
      body: { result: 'ignored', reason: expect.stringMatching(/built before/) },
    });
    const unknown = await deliver('nosuch', github(body, randomUUID()), body);
    expect(unknown.status).toBe(404);
    expect((await gitBuilds()).length).toBe(before);
    const events = await api(daemon.url, 'events', {
      token: admin,
      input: { type: 'GIT', limit: 20 },
    });
    const refusals = (events.body as { message: string }[]).filter((e) =>
      e.message.includes('refused'),
    );
    expect(refusals.length).toBe(6);
  }, 300_000);

  it('polling builds a branch push; every push makes a higher snapshot version', async () => {
    const poll = () =>
      api(daemon.url, 'git_source_poll', {
        method: 'POST',
        token: admin,
        input: { name: 'hello' },
      });
    expect((await poll()).body).toEqual([]); // the first poll notes what is there
    writeFileSync(path.join(work, 'NEWS'), 'one\n');
    await git('add', 'NEWS');
    await git('commit', '-q', '-m', 'news');
    await git('push', '-q', 'origin', 'debian/latest');
    const started = await poll();
    expect(started.body).toHaveLength(1);
    const first = await buildEnded(started.body[0] as number);
    expect(first.state, JSON.stringify(first)).toBe('uploaded');
    expect(first.version).toMatch(new RegExp(`^1\\.0\\+git\\d{14}\\.[0-9a-f]{7}-1~test${cv}\\+1$`));
    expect(first.version).toContain(first.commit.slice(0, 7));
    await pipeline.uploadIn(first.uploadId!, ['INSTALLED']);
    // Committed a second later; announced by a Gitea webhook this time.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    writeFileSync(path.join(work, 'NEWS'), 'two\n');
    await git('commit', '-q', '-a', '-m', 'more news');
    await git('push', '-q', 'origin', 'debian/latest');
    const body = pushBody('refs/heads/debian/latest', await git('rev-parse', 'HEAD'));
    const hook = await deliver(
      'hello',
      {
        'X-Gitea-Event': 'push',
        'X-Gitea-Delivery': randomUUID(),
        'X-Gitea-Signature': hmac(secret, body),
      },
      body,
    );
    expect(hook.status, JSON.stringify(hook.body)).toBe(202);
    const second = await buildEnded(hook.body.build as number);
    expect(second.state, JSON.stringify(second)).toBe('uploaded');
    expect(compareVersions(second.version!, first.version!)).toBeGreaterThan(0);
    const upload = await pipeline.uploadIn(second.uploadId!, ['INSTALLED', 'FAILED', 'REJECTED']);
    expect(upload.state, JSON.stringify(upload.reasons)).toBe('INSTALLED');
  }, 300_000);

  it('git-build by hand: the incoming rejects what it would reject from anyone; bad refs and trees get clear errors', async () => {
    const common = ['--server', daemon.url, '--token', admin];
    const rebuilt = await cli([
      'git-build',
      'hello',
      `debian/1.0-1_test${cv}+1`,
      ...common,
      '--json',
    ]);
    expect(rebuilt.code, rebuilt.err).toBe(0);
    await expect.poll(() => statuses.at(-1)?.body.state, { timeout: 10_000 }).toBe('failure');
    expect(JSON.parse(rebuilt.out)).toMatchObject({
      state: 'rejected',
      error: expect.stringMatching(/1\.0-1~test\d+\+1/),
    });
    const missing = await cli(['git-build', 'hello', 'debian/9.9-9', ...common]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/has no tag or branch debian\/9\.9-9/);
    // A changelog that is a symbolic link is not followed on the host.
    rmSync(path.join(work, 'debian/changelog'));
    symlinkSync('/etc/passwd', path.join(work, 'debian/changelog'));
    await git('commit', '-q', '-a', '-m', 'evil');
    await git('tag', 'debian/6.6-6');
    await git('push', '-q', 'origin', 'debian/6.6-6');
    const evil = await cli(['git-build', 'hello', 'debian/6.6-6', ...common]);
    expect(evil.code).toBe(1);
    expect(evil.err).toMatch(/debian\/changelog of commit [0-9a-f]{12} is a symbolic link/);
  }, 300_000);

  it('DEP-14 packaging branches: the upstream tag or pristine-tar gives the .orig.tar.gz byte for byte, signed by the own key of the source; no upstream tag builds nothing', async () => {
    const common = ['--server', daemon.url, '--token', admin];
    const dep = path.join(dir, 'dep14');
    mkdirSync(dep);
    const g = (...args: string[]) =>
      run('git', ['-c', 'user.name=Packager', '-c', 'user.email=packager@example.org', ...args], {
        cwd: dep,
      }).then((r) => r.stdout.trim());
    const changelog = (version: string) =>
      writeFileSync(
        path.join(dep, 'debian/changelog'),
        `${SOURCE} (${version}) ${unstable}; urgency=medium\n\n  * Packaged in git.\n\n -- Packager <packager@example.org>  Thu, 01 Jan 2026 00:00:00 +0000\n`,
      );
    const release = async (upstream: string) => {
      const version = `${upstream}-1~test${cv}+1`;
      changelog(version);
      await g('add', '-A');
      await g('commit', '-q', '-m', `Release ${version}`);
      await g('tag', `debian/${version.replace('~', '_')}`);
      return version;
    };
    // Upstream 2.0 on upstream/latest; the packaging branch (gbp's: upstream + debian/) from it.
    await g('init', '-q', '-b', 'upstream/latest');
    cpSync(
      path.join(FIXTURE_PACKAGES, 'hello-all', 'hello-all.sh'),
      path.join(dep, 'hello-all.sh'),
    );
    writeFileSync(path.join(dep, 'README'), 'upstream 2.0\n');
    await g('add', '-A');
    await g('commit', '-q', '-m', 'Upstream 2.0');
    await g('tag', '-a', '-m', 'Upstream 2.0', 'upstream/2.0');
    await g('checkout', '-q', '-b', 'debian/latest');
    cpSync(path.join(FIXTURE_PACKAGES, 'hello-all', 'debian'), path.join(dep, 'debian'), {
      recursive: true,
    });
    writeFileSync(path.join(dep, 'debian/source/format'), '3.0 (quilt)\n');
    await release('2.0');
    // Upstream 3.0, its tarball as upstream released it (not git archive's bytes), kept
    // by pristine-tar; merged into the packaging branch.
    await g('checkout', '-q', 'upstream/latest');
    writeFileSync(path.join(dep, 'README'), 'upstream 3.0\n');
    await g('commit', '-q', '-a', '-m', 'Upstream 3.0');
    await g('tag', '-a', '-m', 'Upstream 3.0', 'upstream/3.0');
    const released = path.join(dir, `${SOURCE}_3.0.orig.tar.gz`);
    await run(
      'sh',
      [
        '-c',
        `mkdir -p "$1/${SOURCE}-3.0" && git archive upstream/3.0 | tar -x -C "$1/${SOURCE}-3.0" && tar --mtime=2020-02-02 --owner=1000 --group=1000 -C "$1" -cf - ${SOURCE}-3.0 | gzip -6 > "$2"`,
        'sh',
        path.join(dir, 'released'),
        released,
      ],
      { cwd: dep },
    );
    await run('pristine-tar', ['commit', released, 'upstream/3.0'], { cwd: dep });
    await g('checkout', '-q', 'debian/latest');
    await g('merge', '-q', '--no-edit', 'upstream/latest');
    await release('3.0');
    await release('4.0'); // there is no upstream/4.0
    await run('git', ['init', '-q', '--bare', path.join(dir, 'forge', 'dep14.git')]);
    await g('remote', 'add', 'origin', path.join(dir, 'forge', 'dep14.git'));
    await g('push', '-q', 'origin', '--all');
    await g('push', '-q', 'origin', '--tags');
    // The upstream-tag source signs with a key of its own: an uploader key of the test
    // repository whose secret half the admin put into <home>/keys/signing/.
    const team = await makeKey('Packaging Team');
    mkdirSync(path.join(dir, 'home', 'keys', 'signing'), { recursive: true });
    writeFileSync(path.join(dir, 'home', 'keys', 'signing', 'team.asc'), team.privateKey.armor());
    const addKey = await api(daemon.url, 'key_add', {
      method: 'POST',
      token: admin,
      input: { key: team.publicArmored },
    });
    expect(addKey.status, JSON.stringify(addKey.body)).toBe(200);
    const permit = await cli(['key-permit', team.fingerprint, 'test', ...common]);
    expect(permit.code, permit.err).toBe(0);
    for (const [name, layout, key] of [
      ['dep14', 'upstream-tag', ['--signing-key', team.fingerprint]],
      ['dep14-pt', 'pristine-tar', []],
    ] as const) {
      const added = await cli([
        'git-source-add',
        name,
        `${forge.url}/dep14.git`,
        '--tags',
        'debian/*',
        '--layout',
        layout,
        ...key,
        ...common,
      ]);
      expect(added.code, added.err).toBe(0);
    }
    // Where an upload's files are: in the spool once accepted, in the pool once installed.
    const find = (name: string) =>
      run('find', [
        path.join(dir, 'home', 'spool'),
        path.join(dir, 'home', 'repos'),
        '-name',
        name,
      ]).then((r) => r.stdout.trim().split('\n')[0]!);
    const built: Record<string, { state: string; uploadId: number; version: string }> = {};
    for (const [name, upstream] of [
      ['dep14', '2.0'],
      ['dep14-pt', '3.0'],
    ] as const) {
      const answer = await cli([
        'git-build',
        name,
        `debian/${upstream}-1_test${cv}+1`,
        ...common,
        '--json',
      ]);
      expect(answer.code, answer.err).toBe(0);
      built[upstream] = JSON.parse(answer.out) as (typeof built)[string];
      expect(built[upstream], answer.out).toMatchObject({
        state: 'uploaded',
        version: `${upstream}-1~test${cv}+1`,
      });
    }
    // pristine-tar's tarball is the one upstream released, byte for byte (its upload is
    // accepted: its build is not waited for, the upstream-tag one shows that path).
    const orig3 = await find(`${SOURCE}_3.0.orig.tar.gz`);
    expect(Buffer.compare(readFileSync(orig3), readFileSync(released))).toBe(0);
    const signed = await pipeline.uploadIn(built['2.0']!.uploadId, ['INSTALLED', 'FAILED']);
    expect(signed.state, JSON.stringify(signed.reasons)).toBe('INSTALLED');
    expect(signed.signer).toBe(team.fingerprint);
    // The archive's upstream tarball of the tag: git archive of the tag.
    const orig2 = await find(`${SOURCE}_2.0.orig.tar.gz`);
    const tagged = await run(
      'git',
      ['archive', '--format=tar', `--prefix=${SOURCE}-2.0/`, 'upstream/2.0'],
      {
        cwd: dep,
        encoding: 'buffer',
        maxBuffer: 64 << 20,
      },
    );
    const unzipped = await run('zcat', [orig2], { encoding: 'buffer', maxBuffer: 64 << 20 });
    expect(Buffer.compare(unzipped.stdout, tagged.stdout)).toBe(0);
    // No upstream tag: a clear error, a failed git build and its event, no upload.
    const missing = await cli(['git-build', 'dep14', `debian/4.0-1_test${cv}+1`, ...common]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/has no upstream tag upstream\/4\.0 for upstream version 4\.0/);
    const events = await api(daemon.url, 'events', { token: admin, input: { type: 'GIT' } });
    expect(events.body).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(
          /git build \d+ of dep14 refs\/tags\/debian\/4\.0-1.*failed: .*no upstream tag upstream\/4\.0/,
        ),
        uploadId: null,
      }),
    );
    const last = await api(daemon.url, 'git_builds', { token: admin, input: { name: 'dep14' } });
    expect(last.body[0]).toMatchObject({ state: 'failed', uploadId: null, package: null });
  }, 600_000);

  it('the watch layout: uscan in the sandbox downloads the tarball debian/watch names below the allowed prefix, byte for byte; another URL is refused and nothing uploaded', async () => {
    const common = ['--server', daemon.url, '--token', admin];
    const pkg = path.join(dir, 'watch');
    mkdirSync(path.join(pkg, 'debian'), { recursive: true });
    const g = (...args: string[]) =>
      run('git', ['-c', 'user.name=Packager', '-c', 'user.email=packager@example.org', ...args], {
        cwd: pkg,
      }).then((r) => r.stdout.trim());
    // Upstream's releases: 5.0 below /releases/ (allowed), 6.0 below /elsewhere/ (not).
    const tarball = async (upstream: string) => {
      const top = path.join(dir, 'upstream', `${SOURCE}-${upstream}`);
      mkdirSync(top, { recursive: true });
      cpSync(
        path.join(FIXTURE_PACKAGES, 'hello-all', 'hello-all.sh'),
        path.join(top, 'hello-all.sh'),
      );
      writeFileSync(path.join(top, 'README'), `upstream ${upstream}\n`);
      const made = await run('tar', ['-C', path.dirname(top), '-czf', '-', path.basename(top)], {
        encoding: 'buffer',
        maxBuffer: 64 << 20,
      });
      return made.stdout;
    };
    const released = await tarball('5.0');
    const releases = await serveReleases({
      [`/releases/${SOURCE}-5.0.tar.gz`]: released,
      [`/elsewhere/${SOURCE}-6.0.tar.gz`]: await tarball('6.0'),
    });
    try {
      // The packaging branch holds debian/ only; each release names where upstream is.
      cpSync(path.join(FIXTURE_PACKAGES, 'hello-all', 'debian'), path.join(pkg, 'debian'), {
        recursive: true,
      });
      writeFileSync(path.join(pkg, 'debian/source/format'), '3.0 (quilt)\n');
      await g('init', '-q', '-b', 'debian/latest');
      const release = async (upstream: string, folder: string | null) => {
        const version = `${upstream}-1~test${cv}+1`;
        writeFileSync(
          path.join(pkg, 'debian/changelog'),
          `${SOURCE} (${version}) ${unstable}; urgency=medium\n\n  * From upstream's tarball.\n\n -- Packager <packager@example.org>  Thu, 01 Jan 2026 00:00:00 +0000\n`,
        );
        if (folder) {
          writeFileSync(
            path.join(pkg, 'debian/watch'),
            `version=4\n${releases.url}/${folder}/ ${SOURCE}-(\\d[\\d.]*)\\.tar\\.gz\n`,
          );
        } else rmSync(path.join(pkg, 'debian/watch'), { force: true });
        await g('add', '-A');
        await g('commit', '-q', '-m', `Release ${version}`);
        await g('tag', `debian/${version.replace('~', '_')}`);
        return version.replace('~', '_');
      };
      const good = await release('5.0', 'releases');
      const outside = await release('6.0', 'elsewhere');
      const unwatched = await release('7.0', null);
      await run('git', ['init', '-q', '--bare', path.join(dir, 'forge', 'watch.git')]);
      await g('push', '-q', path.join(dir, 'forge', 'watch.git'), '--all');
      await g('push', '-q', path.join(dir, 'forge', 'watch.git'), '--tags');
      const noPrefix = await cli([
        'git-source-add',
        'w0',
        `${forge.url}/watch.git`,
        '--tags',
        'debian/*',
        '--layout',
        'watch',
        ...common,
      ]);
      expect(noPrefix.code).toBe(1);
      expect(noPrefix.err).toMatch(
        /the watch layout downloads only from below the URL prefixes you give/,
      );
      const added = await cli([
        'git-source-add',
        'watch',
        `${forge.url}/watch.git`,
        '--tags',
        'debian/*',
        '--layout',
        'watch',
        '--orig-url-prefix',
        `${releases.url}/releases`,
        ...common,
        '--json',
      ]);
      expect(added.code, added.err).toBe(0);
      expect(JSON.parse(added.out)).toMatchObject({
        layout: 'watch',
        origUrlPrefixes: [`${releases.url}/releases/`],
      });
      const built = await cli(['git-build', 'watch', `debian/${good}`, ...common, '--json']);
      expect(built.code, built.err).toBe(0);
      const build = JSON.parse(built.out) as { state: string; uploadId: number; version: string };
      expect(build, built.out).toMatchObject({ state: 'uploaded', version: `5.0-1~test${cv}+1` });
      // The upload's upstream tarball is the one upstream serves, byte for byte; the event
      // records its SHA256 (no signing key in debian/upstream: nothing to check it with).
      const orig = await run('find', [
        path.join(dir, 'home', 'spool'),
        path.join(dir, 'home', 'repos'),
        '-name',
        `${SOURCE}_5.0.orig.tar.gz`,
      ]).then((r) => r.stdout.trim().split('\n')[0]!);
      expect(Buffer.compare(readFileSync(orig), released)).toBe(0);
      const sha256 = createHash('sha256').update(released).digest('hex');
      const events = async () =>
        (await api(daemon.url, 'events', { token: admin, input: { type: 'GIT', limit: 5 } }))
          .body as { message: string; uploadId: number | null; details: Record<string, unknown> }[];
      expect((await events()).find((e) => e.uploadId === build.uploadId)?.details).toMatchObject({
        gitSource: 'watch',
        orig: {
          name: `${SOURCE}_5.0.orig.tar.gz`,
          sha256,
          bytes: released.length,
          signatureChecked: false,
        },
      });
      expect(releases.requests).toContain(`GET /releases/${SOURCE}-5.0.tar.gz`);
      // A watch file pointing elsewhere: the proxy refuses it (upstream never hears of it),
      // the build fails naming the URL, nothing is uploaded.
      const refused = await cli(['git-build', 'watch', `debian/${outside}`, ...common]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(
        new RegExp(
          `debyard refused GET ${releases.url}/elsewhere/: not below the git source's orig URL prefixes \\(${releases.url}/releases/\\)`,
        ),
      );
      expect(releases.requests.filter((r) => r.includes('elsewhere'))).toEqual([]);
      const failed = (await events())[0]!;
      expect(failed).toMatchObject({
        uploadId: null,
        details: { state: 'failed', refused: [`GET ${releases.url}/elsewhere/`] },
      });
      const none = await cli(['git-build', 'watch', `debian/${unwatched}`, ...common]);
      expect(none.code).toBe(1);
      expect(none.err).toMatch(
        /has no debian\/watch: the watch layout downloads the upstream tarball it names/,
      );
      const builds = await api(daemon.url, 'git_builds', {
        token: admin,
        input: { name: 'watch' },
      });
      expect(builds.body.map((b: { state: string }) => b.state)).toEqual([
        'failed',
        'failed',
        'uploaded',
      ]);
    } finally {
      await releases.close();
    }
  }, 600_000);

  it('ssh: the deploy key the daemon made fetches through a real sshd with git-shell; another key and a changed host key are refused', async () => {
    const common = ['--server', daemon.url, '--token', admin];
    // A host of its own (a network namespace) whose sshd lets keys run git-shell only.
    const host = await PeerHost.create();
    try {
      const url = `ssh://root@${host.address}${path.join(dir, 'forge', 'hello.git')}`;
      for (const name of ['hello-ssh', 'hello-nokey']) {
        const added = await cli([
          'git-source-add',
          name,
          url,
          '--branches',
          'debian/latest',
          ...common,
        ]);
        expect(added.code, added.err).toBe(0);
      }
      const listed = await cli(['git-sources', ...common, '--json']);
      const keys = Object.fromEntries(
        (JSON.parse(listed.out) as { name: string; deployKey: string | null }[]).map((s) => [
          s.name,
          s.deployKey,
        ]),
      );
      expect(keys['hello-ssh']).toMatch(/^ssh-ed25519 \S+ debyard git source hello-ssh$/);
      writeFileSync(
        path.join(host.dir, 'authorized_keys'),
        `restrict,command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"" ${keys['hello-ssh']}\n`,
        { mode: 0o600 },
      );
      await host.startSshd();
      // A new commit on the branch: a snapshot made from what came over ssh.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      writeFileSync(path.join(work, 'NEWS'), 'over ssh\n');
      // (The changelog may be the symbolic link an earlier case committed; the version is
      // above every one the earlier cases installed, 5.0 of the watch layout the highest.)
      rmSync(path.join(work, 'debian/changelog'));
      writeFileSync(path.join(work, 'debian/changelog'), changelogOf(`9.0-1~test${cv}+1`));
      await git('add', '-A');
      await git('commit', '-q', '-m', 'news over ssh');
      await git('push', '-q', 'origin', 'debian/latest');
      const head = await git('rev-parse', 'HEAD');
      const built = await cli(['git-build', 'hello-ssh', 'debian/latest', ...common, '--json']);
      expect(built.code, built.err).toBe(0);
      expect(JSON.parse(built.out), built.out).toMatchObject({
        state: 'uploaded',
        commit: head,
        version: expect.stringContaining(head.slice(0, 7)),
      });
      expect(host.sshdLog).toMatch(/Accepted publickey for root .* ED25519/);
      // The host key was pinned on first use, per source.
      const pinned = path.join(dir, 'home', 'git', 'hello-ssh.known_hosts');
      expect(readFileSync(pinned, 'utf8')).toContain(
        readFileSync(`${host.hostKeyFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' '),
      );
      // A key the repository does not know: refused, in words.
      const other = await cli(['git-build', 'hello-nokey', 'debian/latest', ...common]);
      expect(other.code).toBe(1);
      expect(other.err).toMatch(
        /the forge refused the deploy key of git source hello-nokey \(Permission denied \(publickey\)\): add the public key git-sources shows/,
      );
      // The forge's host key changes (or someone stands in for it): refused, pin kept.
      await host.stopSshd();
      await host.newHostKey();
      await host.startSshd();
      const changed = await cli(['git-build', 'hello-ssh', 'debian/latest', ...common]);
      expect(changed.code).toBe(1);
      expect(changed.err).toMatch(
        /the ssh host key of the forge is not the one debyard pinned on first use in .*hello-ssh\.known_hosts; refused/,
      );
      const builds = await api(daemon.url, 'git_builds', {
        token: admin,
        input: { name: 'hello-ssh' },
      });
      expect(builds.body).toHaveLength(1);
    } finally {
      await host.cleanup();
    }
  }, 300_000);
});
