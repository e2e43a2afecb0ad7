import { execFile, execFileSync } from 'node:child_process';
import { openSync, readSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import type { SchedulerPart } from '../../../src/app/parts/scheduler-part.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  adminToken,
  api,
  fixtureUpload,
  type FixtureUpload,
  IsolatedApt,
  persistentTempDir,
  startTestDaemon,
  tempDir,
} from '../../fixtures/index.js';
import { cli, importTestChroot } from '../../fixtures/subsystems.js';

/*
 * Several architectures on one amd64 host: the test distribution builds for amd64 and
 * arm64; arm64 in an arm64 chroot under qemu-user (binfmt_misc), in the same sandbox as
 * native builds. hello-any is uploaded while the distribution builds only natively;
 * then arm64 is added and build-missing schedules its arm64 build, which runs emulated;
 * every assertion about the arm64 package shares that one emulated build. The arm64
 * base is made once under qemu (26 minutes on a busy 2-core machine) and cached like the
 * amd64 one; with it cached the file takes about 8 minutes (13 at load 16) (the emulated build about 4,
 * its native twin 1).
 */

const run = promisify(execFile);
const FOREIGN = 'arm64';

let root: string;
let daemon: Daemon;
let token: string;
let codename: string;
let native: string;
let dputCf: string;
let hello: UploadRecord;
/** The upload build-missing made for hello-any's arm64 build. */
let missing: UploadRecord;
let dryRun: { out: string; code: number };
let again: { out: string; code: number };
let lacking: string[];
let pageBefore: string;

const part = <T>(name: string) => daemon.parts.find((p) => p.name === name) as T;
const scheduler = () => part<SchedulerPart>('scheduler').scheduler;
const uploads = () => part<IncomingPart>('incoming').uploads;
const codeversion = () => ({ bookworm: '12', trixie: '13' })[codename] ?? 'SID';
const dist = () => `${codename}-test-unstable`;

async function dput(fixture: string, n: number, architecture?: string): Promise<FixtureUpload> {
  const pkg = await fixtureUpload(root, fixture, {
    version: `1.0~test${codeversion()}+${n}`,
    distribution: dist(),
    ...(architecture ? { architecture, rename: `${fixture}-${n}` } : {}),
  });
  await run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root },
  });
  return pkg;
}

/** The upload of a .changes once it is INSTALLED, FAILED or REJECTED (polled: beforeAll has no expect.poll). */
async function finished(pkg: FixtureUpload): Promise<UploadRecord> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const last = uploads()
      .list({ limit: 1000 })
      .find((u) => u.changesFile === pkg.changes);
    if (last && ['INSTALLED', 'FAILED', 'REJECTED'].includes(last.state)) return last;
    if (Date.now() > deadline)
      throw new Error(`${pkg.changes} is still ${last?.state ?? 'unseen'}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** An upload by id once it is INSTALLED or FAILED. */
async function finishedUpload(id: number): Promise<UploadRecord> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const upload = uploads().get(id);
    if (['INSTALLED', 'FAILED'].includes(upload.state)) return upload;
    if (Date.now() > deadline) throw new Error(`upload ${id} is still ${upload.state}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const published = (file: string) =>
  readFileSync(path.join(daemon.layout.repos, 'test', 'dists', dist(), file), 'utf8');

/** The .deb of a package and architecture in the pool. */
function pooled(pkg: string, architecture: string): string {
  const found = execFileSync(
    'find',
    [path.join(daemon.layout.repos, 'test', 'pool'), '-name', `${pkg}_*_${architecture}.deb`],
    { encoding: 'utf8' },
  );
  const [deb] = found.split('\n').filter(Boolean);
  if (!deb) throw new Error(`no ${pkg} for ${architecture} in the pool`);
  return deb;
}

/** e_machine of an ELF file (0xb7: AArch64, 0x3e: x86-64). */
function elfMachine(file: string): number {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return header.readUInt16LE(18);
}

beforeAll(async () => {
  root = persistentTempDir('debyard-arch-');
  const home = path.join(root, 'home');
  ({ codename, architecture: native } = await importTestChroot(home));
  await importTestChroot(home, FOREIGN);
  daemon = await startTestDaemon(home);
  token = await adminToken(daemon);
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
  hello = await finished(await dput('hello-any', 1));
  const changed = await cli([
    'distribution-update',
    'test',
    codename,
    '--architectures',
    `${native},${FOREIGN}`,
    '--server',
    daemon.url,
    '--token',
    token,
  ]);
  expect(changed.code, changed.err).toBe(0);
  const shown = await api(daemon.url, 'show', { input: { package: 'debyard-hello-any' } });
  lacking = (shown.body as { versions: { missingArchitectures: string[] }[] }).versions[0]!
    .missingArchitectures;
  pageBefore = await (await fetch(`${daemon.url}/packages/debyard-hello-any`)).text();
  const missingArgs = ['build-missing', 'test', codename, '--server', daemon.url];
  dryRun = await cli([...missingArgs, '--token', token, '--dry-run']);
  const scheduled = await cli([...missingArgs, '--token', token, '--json']);
  expect(scheduled.code, scheduled.err).toBe(0);
  again = await cli([...missingArgs, '--token', token]);
  const id = (JSON.parse(scheduled.out) as { scheduled: { uploadId: number }[] }).scheduled[0]!
    .uploadId;
  missing = await finishedUpload(id);
}, 60 * 60_000);

afterAll(async () => {
  await daemon?.stop();
  if (root && !process.env.KEEP) execFileSync('rm', ['-rf', root]);
});

describe('builds for several architectures, the foreign one under qemu-user', () => {
  it('build-missing builds for arm64, added later, what the suite has for amd64 only', async () => {
    expect(hello.state).toBe('INSTALLED');
    expect(
      scheduler()
        .list({ uploadId: hello.id })
        .map((b) => b.architecture),
    ).toEqual([native]);
    expect(lacking).toEqual([FOREIGN]);
    expect(pageBefore).toContain(`missing: ${FOREIGN}</small>`);
    expect(dryRun.code).toBe(0);
    expect(dryRun.out).toMatch(
      new RegExp(
        `^debyard-hello-any\\s+${hello.version!.replace(/[+.~]/g, '\\$&')}\\s+${dist()}\\s+${FOREIGN}\\s+dry run$`,
        'm',
      ),
    );
    // Asked again while its build is on the way: nothing more is scheduled.
    expect(again.code).toBe(0);
    expect(again.out).toBe('nothing is missing\n');
    const builds = scheduler().list({ uploadId: missing.id });
    expect(missing.state, JSON.stringify(builds, null, 1)).toBe('INSTALLED');
    expect(missing.version).toBe(hello.version);
    expect(builds.map((b) => [b.architecture, b.archAll, b.state, b.builder, b.emulated])).toEqual([
      [FOREIGN, false, 'BUILT', 'local', true],
    ]);
    const accepted = daemon.events.list({ uploadId: missing.id, types: ['ACCEPTED'] });
    expect(accepted.map((e) => e.message)).toEqual([
      `build-missing for user admin (admin): debyard-hello-any ${hello.version} in ${dist()} builds for ${FOREIGN}`,
    ]);
    const events = daemon.events.list({ uploadId: missing.id, types: ['BUILDING'] });
    expect(events.map((e) => e.message)).toContain(
      `building debyard-hello-any ${hello.version} for ${FOREIGN} on local (emulated)`,
    );
    const shown = await api(daemon.url, 'show', { input: { package: 'debyard-hello-any' } });
    expect(
      (shown.body as { versions: { missingArchitectures: string[] }[] }).versions[0]!
        .missingArchitectures,
    ).toEqual([]);
    const after = await cli([
      'build-missing',
      'test',
      codename,
      '--server',
      daemon.url,
      '--token',
      token,
    ]);
    expect(after.out).toBe('nothing is missing\n');
    const listed = await cli(['builds', '--source', 'debyard-hello-any', '--server', daemon.url]);
    expect(listed.out).toMatch(new RegExp(`\\s${FOREIGN}\\s+${dist()}\\s+local \\(qemu\\)\\s`));
    const status = await api(daemon.url, 'status');
    expect(status.body.builders).toMatchObject([
      {
        name: 'local',
        native: [native, ...(native === 'amd64' ? ['i386'] : [])],
        emulated: [`${codename}/${FOREIGN}`],
      },
    ]);
    const emulated = builds[0]!.id;
    const page = await (await fetch(`${daemon.url}/builds/${emulated}`)).text();
    expect(page).toContain('local (emulated: qemu-user)');
    const log = await (await fetch(`${daemon.url}/api/v1/build_log?build=${emulated}`)).text();
    expect(log).toMatch(new RegExp(`^Architecture: ${FOREIGN}$`, 'm'));
  });

  it('makes an arm64 .deb whose program is an AArch64 ELF', async () => {
    const deb = pooled('debyard-hello-any', FOREIGN);
    const fields = execFileSync('dpkg-deb', ['-f', deb, 'Package', 'Architecture'], {
      encoding: 'utf8',
    });
    expect(fields).toBe(`Package: debyard-hello-any\nArchitecture: ${FOREIGN}\n`);
    const dir = tempDir();
    execFileSync('dpkg-deb', ['-x', deb, dir]);
    expect(elfMachine(path.join(dir, 'usr/bin/debyard-hello-any'))).toBe(0xb7);
    const ours = tempDir();
    execFileSync('dpkg-deb', ['-x', pooled('debyard-hello-any', native), ours]);
    expect(elfMachine(path.join(ours, 'usr/bin/debyard-hello-any'))).not.toBe(0xb7);
  });

  it('publishes binary-arm64 and Contents-arm64, and apt for arm64 fetches it from the signed archive', async () => {
    const release = published('Release');
    expect(release).toMatch(new RegExp(`^Architectures: ${native} ${FOREIGN}$`, 'm'));
    expect(release).toContain(`main/binary-${FOREIGN}/Packages`);
    const packages = published(`main/binary-${FOREIGN}/Packages`);
    expect(packages).toMatch(/^Package: debyard-hello-any$/m);
    expect(packages).toMatch(new RegExp(`^Architecture: ${FOREIGN}$`, 'm'));
    expect(packages).not.toMatch(new RegExp(`^Architecture: ${native}$`, 'm'));
    const contents = execFileSync('gzip', ['-dc'], {
      input: readFileSync(
        path.join(daemon.layout.repos, 'test', 'dists', dist(), `main/Contents-${FOREIGN}.gz`),
      ),
      encoding: 'utf8',
    });
    expect(contents).toMatch(/^usr\/bin\/debyard-hello-any\s+misc\/debyard-hello-any$/m);

    const dir = tempDir();
    const apt = new IsolatedApt(dir, FOREIGN);
    const sources = await (
      await fetch(`${daemon.url}/api/v1/sources_list?repo=test&suite=unstable`)
    ).text();
    writeFileSync(path.join(dir, 'etc/apt/sources.list.d/debyard.sources'), sources);
    const update = await apt.aptGet(['update']);
    expect(update.problems, update.output).toEqual([]);
    const download = await apt.aptGet(['download', 'debyard-hello-any']);
    expect(download.code, download.output).toBe(0);
    const fetched = path.join(apt.root, path.basename(pooled('debyard-hello-any', FOREIGN)));
    expect(readFileSync(fetched)).toEqual(readFileSync(pooled('debyard-hello-any', FOREIGN)));
  });

  it(
    'builds arch:all once and an any-amd64 package not for arm64',
    async () => {
      const all = await finished(await dput('hello-all', 1));
      expect(all.state).toBe('INSTALLED');
      expect(
        scheduler()
          .list({ uploadId: all.id })
          .map((b) => [b.architecture, b.archAll, b.emulated]),
      ).toEqual([[native, true, false]]);
      const only = await finished(await dput('hello-any', 2, `any-${native}`));
      expect(only.state).toBe('INSTALLED');
      expect(
        scheduler()
          .list({ uploadId: only.id })
          .map((b) => b.architecture),
      ).toEqual([native]);
    },
    20 * 60_000,
  );

  it(
    'builds one upload for both architectures; with one of them failed, installs none (the suite keeps the older version)',
    async () => {
      const pkg = await dput('hello-any', 3);
      let upload: UploadRecord | undefined;
      await expect
        .poll(
          () => {
            upload = uploads()
              .list({ limit: 1000 })
              .find((u) => u.changesFile === pkg.changes);
            return upload ? scheduler().list({ uploadId: upload.id }).length : 0;
          },
          { timeout: 60_000 },
        )
        .toBe(2);
      const planned = scheduler().list({ uploadId: upload!.id });
      expect(planned.map((b) => [b.architecture, b.mandatory]).sort()).toEqual(
        [
          [native, true],
          [FOREIGN, true],
        ].sort(),
      );
      const arm = planned.find((b) => b.architecture === FOREIGN)!;
      const cancelled = await cli([
        'cancel',
        '--build',
        String(arm.id),
        '--server',
        daemon.url,
        '--token',
        token,
      ]);
      expect(cancelled.code, cancelled.err).toBe(0);
      const failed = await finished(pkg);
      expect(failed.state).toBe('FAILED');
      expect(failed.reasons.join('\n')).toContain(`${FOREIGN}: build ${arm.id}`);
      const shown = await api(daemon.url, 'show', { input: { package: 'debyard-hello-any' } });
      const versions = (
        shown.body as {
          versions: { distribution: string; version: string; missingArchitectures: string[] }[];
        }
      ).versions.filter((v) => v.distribution === dist());
      expect(versions.map((v) => [v.version, v.missingArchitectures])).toEqual([
        [hello.version, []],
      ]);
      expect(published(`main/binary-${native}/Packages`)).toContain(`Version: ${hello.version}\n`);
    },
    20 * 60_000,
  );

  it('marks a chroot for an architecture it cannot emulate broken, saying why', async () => {
    const created = await api(daemon.url, 'chroot_create', {
      method: 'POST',
      token,
      input: { codename, architecture: 'ia64' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    let chroot: { state: string; lastError: string | null } | undefined;
    await expect
      .poll(
        async () => {
          const listed = await api(daemon.url, 'chroot_list', { token });
          chroot = (
            listed.body as { architecture: string; state: string; lastError: string }[]
          ).find((c) => c.architecture === 'ia64');
          return chroot?.state;
        },
        { timeout: 30_000 },
      )
      .toBe('broken');
    expect(chroot!.lastError).toMatch(/cannot build for ia64: qemu-user has no emulator for it/);
    const events = daemon.events.list({ types: ['CHROOT'], limit: 20 });
    expect(events.map((e) => e.message)).toContainEqual(
      expect.stringMatching(
        new RegExp(`creating chroot ${codename}/ia64 failed: .*qemu-user has no emulator`),
      ),
    );
  }, 60_000);
});
