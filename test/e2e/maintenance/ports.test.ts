import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { ArchiveConfigPart } from '../../../src/app/parts/archive-config-part.js';
import type { ArchivePart } from '../../../src/app/parts/archive-part.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import type { PortsPart } from '../../../src/app/parts/ports-part.js';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import { poolDirectory } from '../../../src/archive/pool/pool-path.js';
import {
  adminToken,
  api,
  aptFor,
  buildSourcePackage,
  codeversionOf,
  createSigner,
  persistentTempDir,
  PipelineUploads,
  serve,
  startTestDaemon,
  type TestSigner,
  userWithToken,
} from '../../fixtures/index.js';
import { importTestChroot } from '../../fixtures/subsystems.js';

// One daemon and chroot for the file; 7 real builds, about 1.5 minutes in all.
const run = promisify(execFile);

let dir: string;
let daemon: Daemon;
let pipeline: PipelineUploads;
let staff: string;
let codename: string;
let architecture: string;
let cv: string;
let unstable: string;
let packager: TestSigner;

const part = <T>(name: string) => daemon.parts.find((p) => p.name === name) as T;
const post = (name: string, input: Record<string, unknown>) =>
  api(daemon.url, name, { method: 'POST', token: staff, input });

beforeAll(async () => {
  dir = persistentTempDir('debyard-ports-');
  const home = path.join(dir, 'home');
  ({ codename, architecture } = await importTestChroot(home));
  cv = codeversionOf(codename);
  unstable = `${codename}-test-unstable`;
  daemon = await startTestDaemon(home, {
    ports: { maxDownloadBytes: 64 * 1024, downloadTimeoutMs: 30_000 },
  });
  pipeline = new PipelineUploads(daemon, dir);
  const admin = await adminToken(daemon);
  staff = (await userWithToken(daemon, admin, 'stella', 'staff')).token;
  part<ArchiveConfigPart>('archive-config').config.createRepository({
    id: 'other',
    description: 'a second repository, signed uploads only',
    layout: 'default',
    allowUnsigned: false,
    distributions: [distributionSpec({ codename, architectures: [architecture] })],
  });
  packager = createSigner('Packager <packager@example.org>');
  await part<IncomingPart>('incoming').uploaderKeys.add({
    key: packager.publicKey,
    repositories: ['test', 'other'],
  });
}, 15 * 60_000); // the first test to need the cached base chroot creates it

afterAll(async () => {
  await daemon?.stop();
  packager?.dispose();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

/** The changelog of a spooled upload's .dsc, as dpkg-parsechangelog reads it. */
function spooledChangelog(uploadId: number): string {
  const upload = part<IncomingPart>('incoming').uploads.get(uploadId);
  const spool = path.join(daemon.layout.root, upload.spoolPath);
  const out = path.join(dir, `x-${uploadId}`);
  execFileSync('dpkg-source', ['-x', upload.dscFile!, out], { cwd: spool, stdio: 'pipe' });
  return execFileSync('dpkg-parsechangelog', ['-l', path.join(out, 'debian/changelog')], {
    encoding: 'utf8',
  });
}

/** The changelog of an installed source, from its .dsc in the pool. */
function installedChangelog(repo: string, source: string, version: string): string {
  const pool = part<ArchivePart>('archive').service.pool;
  const dsc = pool.absolute(repo, `${poolDirectory('main', source)}/${source}_${version}.dsc`);
  const out = path.join(dir, `x-${repo}-${source}-${version}`);
  execFileSync('dpkg-source', ['-x', dsc, out], { cwd: path.dirname(dsc), stdio: 'pipe' });
  return execFileSync('dpkg-parsechangelog', ['-l', path.join(out, 'debian/changelog')], {
    encoding: 'utf8',
  });
}

describe('port', () => {
  it('rebuilds a source for other distributions through the pipeline; apt installs the port', async () => {
    await pipeline.installed('hello-any', { version: `1.0~test${cv}+1`, distribution: unstable });
    const answer = await post('port', {
      package: 'debyard-hello-any',
      distribution: unstable,
      to: `${codename}-other-unstable,${codename}-test-hotfix`,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject([
      {
        source: 'debyard-hello-any',
        version: `1.0~other${cv}+1`,
        distribution: `${codename}-other-unstable`,
        state: 'ACCEPTED',
        reasons: [],
      },
      {
        // +1 is taken in the repository (by unstable): the lowest free counter.
        version: `1.0~test${cv}+2`,
        distribution: `${codename}-test-hotfix`,
        state: 'ACCEPTED',
      },
    ]);
    const [other, hotfix] = answer.body as { uploadId: number }[];
    const upload = part<IncomingPart>('incoming').uploads.get(other!.uploadId);
    expect(upload.signer).toBe(part<ArchivePart>('archive').signer().key.fingerprint);
    const changelog = spooledChangelog(upload.id);
    expect(changelog).toContain(`Version: 1.0~other${cv}+1\n`);
    expect(changelog).toContain(`Distribution: ${codename}-other-unstable\n`);
    expect(changelog).toContain(
      `* Port of debyard-hello-any 1.0~test${cv}+1 from ${unstable} (no changes), asked for by stella.`,
    );
    expect(changelog).toContain('Maintainer: debyard testyard <debyard@testyard.invalid>\n');
    for (const id of [other!.uploadId, hotfix!.uploadId]) {
      expect((await pipeline.uploadIn(id, ['INSTALLED', 'FAILED'])).state).toBe('INSTALLED');
    }

    const apt = await aptFor(daemon, path.join(dir, 'apt-port'), architecture, [
      { repo: 'other', suite: 'unstable' },
    ]);
    const update = await apt.aptGet(['update']);
    expect(update.problems, update.output).toEqual([]);
    const install = await apt.aptGet(['install', 'debyard-hello-any']);
    expect(install.code, install.output).toBe(0);
    expect(install.output).toContain(`debyard-hello-any (1.0~other${cv}+1)`);
    const { stdout } = await run(path.join(apt.root, 'usr/bin/debyard-hello-any'));
    expect(stdout).toBe(`Hello from debyard-hello-any, built for ${architecture}\n`);
  }, 240_000);

  it('ports automatically after INSTALLED with the auto-ports upload option, for its signer', async () => {
    const experimental = `${codename}-test-experimental`;
    const origin = await pipeline.installed('hello-all', {
      version: `1.0~test${cv}+1`,
      distribution: unstable,
      lines: [`* DEBYARD_OPTION: auto-ports=${experimental}, ${codename}-other-unstable`],
      // A key that may upload to other: the port into other is made for it.
      signer: packager,
    });
    const incoming = part<IncomingPart>('incoming');
    const ported = (dist: string) =>
      incoming.uploads
        .list({ limit: 1000 })
        .find((u) => u.source === 'debyard-hello-all' && u.distribution === dist);
    await expect.poll(() => ported(experimental)?.state, { timeout: 150_000 }).toBe('INSTALLED');
    await expect
      .poll(() => ported(`${codename}-other-unstable`)?.state, { timeout: 150_000 })
      .toBe('INSTALLED');
    expect(ported(experimental)!.version).toBe(`1.0~test${cv}+0`);
    expect(ported(`${codename}-other-unstable`)).toMatchObject({
      signer: part<ArchivePart>('archive').signer().key.fingerprint,
      requestedBy: `key ${packager.fingerprint}`,
    });
    expect(installedChangelog('test', 'debyard-hello-all', `1.0~test${cv}+0`)).toContain(
      `* Port of debyard-hello-all 1.0~test${cv}+1 from ${unstable} (no changes), asked for by auto-ports.`,
    );
    // Ported once: the ports themselves carry no auto-ports option.
    await part<PortsPart>('ports').autoPorts.idle();
    expect(
      incoming.uploads.list({ limit: 1000 }).filter((u) => u.source === 'debyard-hello-all'),
    ).toHaveLength(3);
    expect(origin.options).toMatchObject({
      autoPorts: [experimental, `${codename}-other-unstable`],
    });
  }, 300_000);

  it('refuses what cannot be ported, naming why', async () => {
    const missing = await post('port', {
      package: 'nosuch',
      distribution: unstable,
      to: `${codename}-test-hotfix`,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe(`${unstable} has no source package nosuch`);
    const bad = await post('port', {
      package: 'debyard-hello-any',
      distribution: unstable,
      to: `${codename}-test-testing,${codename}-nosuch-unstable`,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe(
      `cannot port there: ${codename}-test-testing: suite testing takes no uploads (port to an uploadable suite, then migrate); ${codename}-nosuch-unstable: unknown distribution ${codename}-nosuch-unstable: there is no repository "nosuch" (known: other, test)`,
    );
    const rollback = await post('port', {
      package: 'debyard-hello-any',
      distribution: unstable,
      to: `${unstable}-rollback0`,
    });
    expect(rollback.status).toBe(400);
    expect(rollback.body.detail).toBe(
      'invalid input for port: to.0: must be a suite distribution <codename>-<repository>-<suite>, like bookworm-test-unstable (not a rollback)',
    );
    const login = await api(daemon.url, 'port', {
      method: 'POST',
      input: { package: 'debyard-hello-any', distribution: unstable, to: unstable },
    });
    expect(login.status).toBe(401);
  });

  it('refuses an anonymous upload whose auto-ports name a repository that takes signed uploads only', async () => {
    // The attack as filed: an unsigned upload to test, auto-ported into other.
    const attack = await pipeline.dput('hello-any', {
      version: `1.0~test${cv}+1`,
      distribution: unstable,
      rename: 'debyard-sneaky',
      lines: [`* DEBYARD_OPTION: auto-ports=${codename}-other-unstable`],
    });
    const refused = await pipeline.changesIn(attack.changes, [
      'REJECTED',
      ...['ACCEPTED', 'PACKAGING', 'BUILDING', 'BUILT', 'INSTALLED', 'FAILED'],
    ]);
    expect(refused.state).toBe('REJECTED');
    expect(refused.reasons).toEqual([
      `${attack.changes}: auto-ports=${codename}-other-unstable: an anonymous upload may not go to repository other, which takes signed uploads only`,
    ]);
  });

  it('ports for the uploader: refused where it may not upload by then (nothing lands there); staff may', async () => {
    const incoming = part<IncomingPart>('incoming');
    // Accepted while "later" took unsigned uploads; by its install, later takes signed
    // uploads only: the port is made for the anonymous uploader, and refused.
    const config = part<ArchiveConfigPart>('archive-config').config;
    const later = `${codename}-later-unstable`;
    config.createRepository({
      id: 'later',
      description: 'unsigned uploads allowed, for now',
      layout: 'default',
      allowUnsigned: true,
      distributions: [distributionSpec({ codename, architectures: [architecture] })],
    });
    const stop = daemon.events.subscribe(
      (event) => {
        if (event.source !== 'debyard-laundered') return;
        config.updateRepository({ ...config.repository('later'), allowUnsigned: false });
        stop();
      },
      { types: ['ACCEPTED'] },
    );
    const origin = await pipeline.installed('hello-any', {
      version: `1.0~test${cv}+1`,
      distribution: unstable,
      rename: 'debyard-laundered',
      lines: [`* DEBYARD_OPTION: auto-ports=${later}`],
    });
    const autoPortRefusals = () =>
      daemon.events
        .list({ types: ['REJECTED'], limit: 1000 })
        .filter((e) => e.details.autoPortOf === origin.id);
    await expect.poll(() => autoPortRefusals().length, { timeout: 30_000 }).toBe(1);
    expect(autoPortRefusals()[0]).toMatchObject({
      message: `auto-port of debyard-laundered 1.0~test${cv}+1 from ${unstable} to ${later} failed: cannot port there for anonymous: ${later}: an anonymous upload may not go to repository later, which takes signed uploads only`,
      details: {
        requestedBy: 'anonymous',
        reasons: [
          `${later}: an anonymous upload may not go to repository later, which takes signed uploads only`,
        ],
      },
    });
    await part<PortsPart>('ports').autoPorts.idle();
    const laundered = () =>
      incoming.uploads.list({ source: 'debyard-laundered', limit: 100 }).map((u) => u.distribution);
    expect(laundered()).toEqual([unstable]);
    const inArchive = () =>
      part<ArchivePart>('archive')
        .service.queries.show(['debyard-laundered'])
        .map((v) => v.distribution);
    expect(inArchive()).toEqual([unstable]);
    expect((await api(daemon.url, 'status')).status).toBe(200);

    // Staff port it there themselves: the API user's role is the identity.
    const answer = await post('port', {
      package: 'debyard-laundered',
      distribution: unstable,
      to: later,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject([
      { version: `1.0~later${cv}+1`, distribution: later, state: 'ACCEPTED', reasons: [] },
    ]);
    const port = await pipeline.uploadIn(answer.body[0].uploadId, ['INSTALLED', 'FAILED']);
    expect(port).toMatchObject({ state: 'INSTALLED', requestedBy: 'user stella (staff)' });
    const shown = await api(daemon.url, 'upload', { input: { upload: port.id } });
    expect(shown.body.upload).toMatchObject({
      uploader: part<ArchivePart>('archive').signer().key.fingerprint,
      requestedBy: 'user stella (staff)',
    });
    expect(inArchive().sort()).toEqual([later, unstable].sort());
  }, 300_000);
});

describe('port_ext', () => {
  let ext: Awaited<ReturnType<typeof buildSourcePackage>>;

  beforeAll(async () => {
    ext = await buildSourcePackage(path.join(dir, 'ext'), {
      source: 'externa',
      revision: '3',
      architecture: 'all',
    });
  });

  const serveDir = async (folder: string) => {
    const app = express();
    app.use(express.static(folder));
    return serve(app);
  };

  it('downloads a .dsc and its files, checks them, and ports them; apt installs the port', async () => {
    const url = await serveDir(ext.dir);
    const answer = await post('port_ext', { url: `${url}/${ext.dsc}`, to: unstable });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject([
      { source: 'externa', version: `1.0-3~test${cv}+1`, state: 'ACCEPTED' },
    ]);
    expect(spooledChangelog(answer.body[0].uploadId)).toContain(
      `* Port of externa 1.0-3 from ${url}/${ext.dsc} (no changes), asked for by stella.`,
    );
    // An uploaded .dsc, its files fetched from beside it.
    const uploaded = await post('port_ext', {
      dsc: readFileSync(path.join(ext.dir, ext.dsc), 'utf8'),
      files_url: `${url}/`,
      to: `${codename}-other-unstable`,
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect(uploaded.body[0]).toMatchObject({ version: `1.0-3~other${cv}+1`, state: 'ACCEPTED' });
    for (const id of [answer.body[0].uploadId, uploaded.body[0].uploadId]) {
      expect((await pipeline.uploadIn(id, ['INSTALLED', 'FAILED'])).state).toBe('INSTALLED');
    }
    const apt = await aptFor(daemon, path.join(dir, 'apt-ext'), architecture, [
      { repo: 'test', suite: 'unstable' },
    ]);
    expect((await apt.aptGet(['update'])).problems).toEqual([]);
    const install = await apt.aptGet(['install', 'externa']);
    expect(install.code, install.output).toBe(0);
    expect(install.output).toContain(`externa (1.0-3~test${cv}+1)`);
  }, 240_000);

  it('refuses other protocols, files that do not match, and too much', async () => {
    const ftp = await post('port_ext', { url: 'ftp://example.org/x.dsc', to: unstable });
    expect(ftp.status).toBe(400);
    expect(ftp.body.detail).toBe('the .dsc URL must be http:// or https://, not ftp://');
    const neither = await post('port_ext', { to: unstable });
    expect(neither.status).toBe(400);
    expect(neither.body.detail).toBe(
      'invalid input for port_ext: url: give either the URL of a .dsc or the .dsc itself',
    );

    const tampered = path.join(dir, 'tampered');
    execFileSync('cp', ['-r', ext.dir, tampered]);
    const debianTar = ext.files.find((f) => f.includes('.debian.tar'))!;
    writeFileSync(path.join(tampered, debianTar), 'not what the .dsc says');
    const served = await serveDir(tampered);
    const bad = await post('port_ext', { url: `${served}/${ext.dsc}`, to: unstable });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(
      new RegExp(
        `^${debianTar.replace(/[.+]/g, '\\$&')} does not match the .dsc: 22 bytes with SHA-256 [0-9a-f]{64}, the .dsc states \\d+ bytes with [0-9a-f]{64}$`,
      ),
    );

    const big = await buildSourcePackage(path.join(dir, 'big'), {
      source: 'bigone',
      revision: '1',
      // Incompressible: the tarball stays larger than the limit.
      readme: randomBytes(150_000).toString('base64'),
    });
    const bigUrl = await serveDir(big.dir);
    const tooMuch = await post('port_ext', { url: `${bigUrl}/${big.dsc}`, to: unstable });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.detail).toMatch(
      /^bigone_1\.0-1\.dsc and its files are \d+ bytes, more than ports\.max_download_size \(65536\)$/,
    );
    const gone = await post('port_ext', { url: `${bigUrl}/nosuch_1.0-1.dsc`, to: unstable });
    expect(gone.status).toBe(404);
    expect(gone.body.detail).toBe(`cannot download ${bigUrl}/nosuch_1.0-1.dsc: 404 Not Found`);
  });
});
