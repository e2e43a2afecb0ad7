import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { ArchiveConfigPart } from '../../../src/app/parts/archive-config-part.js';
import type { ArchivePart } from '../../../src/app/parts/archive-part.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import { adminToken, api, userWithToken } from '../../helpers/api.js';
import { startTestDaemon } from '../../helpers/daemon.js';
import { seedTestChroot } from '../../helpers/daemon-chroot.js';
import { serve } from '../../helpers/http.js';
import { buildSourcePackage } from '../../helpers/source-package.js';
import { persistentTempDir } from '../../helpers/temp-dir.js';

let dir: string;
let daemon: Daemon;
let staff: string;
let codename: string;
let unstable: string;

const part = <T>(name: string) => daemon.parts.find((p) => p.name === name) as T;
const post = (name: string, input: Record<string, unknown>) =>
  api(daemon.url, name, { method: 'POST', token: staff, input });

beforeAll(async () => {
  dir = persistentTempDir('debyard-ports-');
  const home = path.join(dir, 'home');
  codename = (await seedTestChroot(home)).codename;
  unstable = `${codename}-test-unstable`;
  daemon = await startTestDaemon(home, {
    ports: { maxDownloadBytes: 64 * 1024, downloadTimeoutMs: 30_000 },
  });
  const admin = await adminToken(daemon);
  staff = (await userWithToken(daemon, admin, 'stella', 'staff')).token;
  const config = part<ArchiveConfigPart>('archive-config').config;
  config.createRepository({
    id: 'other',
    description: 'a second repository',
    layout: 'default',
    allowUnsigned: false,
    distributions: [distributionSpec({ codename, architectures: ['amd64'] })],
  });
  const pkg = await buildSourcePackage(path.join(dir, 'src'), {
    source: 'porty',
    revision: `1~test${codeversion()}+1`,
    distribution: unstable,
  });
  await part<ArchivePart>('archive').service.archive.install({
    distribution: unstable,
    packages: [{ dsc: path.join(pkg.dir, pkg.dsc) }],
  });
}, 5 * 60_000);

afterAll(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function codeversion(): string {
  return { bookworm: '12', trixie: '13', forky: '14' }[codename] ?? 'SID';
}

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

describe('port', () => {
  it('rebuilds a source for other distributions and uploads it, signed, into the incoming', async () => {
    const cv = codeversion();
    const answer = await post('port', {
      package: 'porty',
      distribution: unstable,
      to: `${codename}-test-hotfix,${codename}-other-unstable`,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject([
      {
        source: 'porty',
        version: `1.0-1~test${cv}+2`,
        distribution: `${codename}-test-hotfix`,
        state: 'ACCEPTED',
        reasons: [],
      },
      {
        source: 'porty',
        version: `1.0-1~other${cv}+1`,
        distribution: `${codename}-other-unstable`,
        state: 'ACCEPTED',
      },
    ]);
    const upload = part<IncomingPart>('incoming').uploads.get(answer.body[1].uploadId);
    expect(upload.signer).toBe(part<ArchivePart>('archive').signer().key.fingerprint);
    const changelog = spooledChangelog(upload.id);
    expect(changelog).toContain(`Version: 1.0-1~other${cv}+1\n`);
    expect(changelog).toContain(`Distribution: ${codename}-other-unstable\n`);
    expect(changelog).toContain(
      `* Port of porty 1.0-1~test${cv}+1 from ${unstable} (no changes), asked for by stella.`,
    );
    expect(changelog).toContain('Maintainer: debyard testyard <debyard@testyard.invalid>\n');
  });

  it('refuses what cannot be ported, naming why', async () => {
    const missing = await post('port', {
      package: 'nosuch',
      distribution: unstable,
      to: `${codename}-test-hotfix`,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe(`${unstable} has no source package nosuch`);
    const bad = await post('port', {
      package: 'porty',
      distribution: unstable,
      to: `${codename}-test-testing,${codename}-nosuch-unstable`,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe(
      `cannot port there: ${codename}-test-testing: suite testing takes no uploads (port to an uploadable suite, then migrate); ${codename}-nosuch-unstable: unknown distribution ${codename}-nosuch-unstable: there is no repository "nosuch" (known: other, test)`,
    );
    const rollback = await post('port', {
      package: 'porty',
      distribution: unstable,
      to: `${unstable}-rollback0`,
    });
    expect(rollback.status).toBe(400);
    expect(rollback.body.detail).toBe(
      'invalid input for port: to.0: must be a suite distribution <codename>-<repository>-<suite>, like bookworm-test-unstable (not a rollback)',
    );
  });
});

describe('port_ext', () => {
  let url: string;
  let ext: Awaited<ReturnType<typeof buildSourcePackage>>;

  beforeAll(async () => {
    ext = await buildSourcePackage(path.join(dir, 'ext'), { source: 'externa', revision: '3' });
  });

  const serveDir = async (folder: string) => {
    const app = express();
    app.use(express.static(folder));
    return serve(app);
  };

  it('downloads a .dsc and its files, checks them, and ports them', async () => {
    url = await serveDir(ext.dir);
    const answer = await post('port_ext', { url: `${url}/${ext.dsc}`, to: unstable });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject([
      { source: 'externa', version: `1.0-3~test${codeversion()}+1`, state: 'ACCEPTED' },
    ]);
    expect(spooledChangelog(answer.body[0].uploadId)).toContain(
      `* Port of externa 1.0-3 from ${url}/${ext.dsc} (no changes), asked for by stella.`,
    );
    const text = readFileSync(path.join(ext.dir, ext.dsc), 'utf8');
    const uploaded = await post('port_ext', {
      dsc: text,
      files_url: `${url}/`,
      to: `${codename}-other-unstable`,
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect(uploaded.body[0]).toMatchObject({
      version: `1.0-3~other${codeversion()}+1`,
      state: 'ACCEPTED',
    });
  });

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
      readme: 'x'.repeat(200_000),
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
