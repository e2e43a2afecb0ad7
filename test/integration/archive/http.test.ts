import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, createApiRouter } from '../../../src/api/api-router.js';
import { archiveRoutes } from '../../../src/api/routers/archive-router.js';
import { showCall } from '../../../src/api/specs/archive.js';
import { detectHostSystem } from '../../../src/config/host-system.js';
import { dpkgArchitectureMatcher } from '../../../src/incoming/architecture-matcher.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { createReposRouter } from '../../../src/web/repos-router.js';
import {
  body,
  buildDeb,
  buildSource,
  IsolatedApt,
  persistentTempDir,
  serve,
  startTestDaemon,
  tempDir,
} from '../../fixtures/index.js';
import {
  cli,
  openTestArchive,
  type TestArchive,
  testSigner,
  type TestArchiveSigner,
} from '../../fixtures/subsystems.js';

const DIST = 'bookworm-test-unstable';

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await fetch(url)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not appear`);
}

describe('the daemon serves its archives', () => {
  it('publishes the test repository on first start; apt trusts it with the key and sources from the API', async () => {
    const dir = tempDir();
    const daemon = await startTestDaemon(path.join(dir, 'home'));
    try {
      const host = detectHostSystem();
      const dist = `${host.codename}-test-unstable`;
      await waitFor(`${daemon.url}/repos/test/dists/${dist}/InRelease`);
      const key = await fetch(`${daemon.url}/api/v1/pub_key`);
      expect(key.headers.get('content-type')).toMatch(/^application\/pgp-keys/);
      const armored = await key.text();
      expect(armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      const sources = await (
        await fetch(`${daemon.url}/api/v1/sources_list?repo=test&suite=unstable`)
      ).text();
      expect(sources).toMatch(new RegExp(`^URIs: ${daemon.url}/repos/test/$`, 'm'));
      expect(sources).toMatch(new RegExp(`^Suites: ${dist}$`, 'm'));
      const apt = new IsolatedApt(path.join(dir, 'apt'), host.architecture);
      writeFileSync(path.join(dir, 'apt/etc/apt/sources.list.d/debyard.sources'), sources);
      const update = await apt.aptGet(
        ['update'],
        ['-o', 'Acquire::Check-Date=true', '-o', 'Acquire::Check-Valid-Until=true'],
      );
      expect(update.problems, update.output).toEqual([]);
      expect(update.output).toMatch(/InRelease/);
      const viaCli = await cli(['pub-key', '--server', daemon.url, '--json']);
      expect(viaCli.code).toBe(0);
      expect(JSON.parse(viaCli.out).armored).toBe(armored);
      // The first publish's event names all its distributions: it comes once the last is
      // written, which may be after this one's InRelease was served.
      await expect
        .poll(() => daemon.events.list({ types: ['PUBLISHED'] }).length, { timeout: 30_000 })
        .toBeGreaterThan(0);
    } finally {
      await daemon.stop();
    }
  });
});

describe('/repos/ and the read-only archive calls', () => {
  let dir: string;
  let archive: TestArchive;
  let signer: TestArchiveSigner;

  beforeAll(async () => {
    dir = persistentTempDir('debyard-http-');
    signer = await testSigner(dir);
    archive = openTestArchive({ home: path.join(dir, 'home'), signer });
    await (
      await archive.service.start()
    ).published;
    const pkgs = path.join(dir, 'pkgs');
    await archive.service.archive.install({
      distribution: DIST,
      packages: [
        {
          dsc: buildSource(pkgs, { name: 'libfoo', version: '1.0' }),
          debs: [
            buildDeb(pkgs, {
              name: 'libfoo1',
              version: '1.0',
              architecture: 'amd64',
              source: 'libfoo',
            }),
            buildDeb(pkgs, {
              name: 'foo-tools',
              version: '1.0',
              architecture: 'amd64',
              source: 'libfoo',
            }),
          ],
        },
      ],
    });
  });

  afterAll(() => {
    archive?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function app(): Promise<string> {
    const a = express();
    a.use(
      '/api/v1',
      createApiRouter({
        implementations: archiveRoutes({
          queries: archive.service.queries,
          config: archive.config,
          publicKey: () => ({
            armored: signer.publicKeyArmored(),
            fingerprint: signer.key.fingerprint,
          }),
          publicUrl: null,
          matcher: dpkgArchitectureMatcher(),
        }),
        authenticate: () => ANONYMOUS,
        logger: silentLogger,
      }),
    );
    a.use(createReposRouter({ reposRoot: archive.reposRoot }));
    return serve(a);
  }

  const deb = '/repos/test/pool/main/libf/libfoo/libfoo1_1.0_amd64.deb';

  it('serves pool files with Range, HEAD, conditional GET and long caching', async () => {
    const base = await app();
    const full = await fetch(base + deb);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/vnd.debian.binary-package');
    expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = Buffer.from(await full.arrayBuffer());
    const part = await fetch(base + deb, { headers: { range: 'bytes=0-7' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-7/${body.length}`);
    expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('!<arch>\n');
    const head = await fetch(base + deb, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(body.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    // fetch() adds Cache-Control: no-cache to conditional requests, as the Fetch spec says.
    const again = await rawGet(
      base,
      deb,
      `If-Modified-Since: ${full.headers.get('last-modified')}`,
    );
    expect(again).toMatch(/^HTTP\/1\.1 304 /);
  });

  it('caches InRelease briefly and by-hash files for long', async () => {
    const base = await app();
    const inRelease = await fetch(`${base}/repos/test/dists/${DIST}/InRelease`);
    expect(inRelease.headers.get('cache-control')).toBe('public, max-age=30, must-revalidate');
    expect(inRelease.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await inRelease.text();
    const hash = /^ ([0-9a-f]{64}) +\d+ main\/binary-amd64\/Packages\.xz$/m.exec(text)![1]!;
    const byHash = await fetch(
      `${base}/repos/test/dists/${DIST}/main/binary-amd64/by-hash/SHA256/${hash}`,
    );
    expect(byHash.status).toBe(200);
    expect(byHash.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('gives every publish a later Last-Modified, also two in one second (apt revalidates)', async () => {
    const base = await app();
    const url = `${base}/repos/test/dists/${DIST}/InRelease`;
    const first = await fetch(url);
    const firstText = await first.text();
    const since = first.headers.get('last-modified')!;
    // Two publishes in quick succession (well within one second on this machine).
    await archive.service.republish('test', [DIST]);
    await archive.service.republish('test', [DIST]);
    const after = await fetch(url, { headers: { 'if-modified-since': since } });
    expect(after.status).toBe(200);
    const text = await after.text();
    expect(text).not.toBe(firstText);
    const date = /^Date: (.*)$/m.exec(text)![1]!;
    expect(after.headers.get('last-modified')).toBe(new Date(date).toUTCString());
    expect(Date.parse(date)).toBeGreaterThanOrEqual(Date.parse(since) + 2000);
  });

  it('never serves anything outside the repository', async () => {
    const base = await app();
    const outside = path.join(dir, 'secret.txt');
    writeFileSync(outside, 'TOP-SECRET-CONTENT');
    mkdirSync(path.join(archive.reposRoot, 'test', 'pool', 'main', 'x'), { recursive: true });
    symlinkSync(outside, path.join(archive.reposRoot, 'test', 'pool', 'main', 'x', 'leak'));
    for (const p of [
      '/repos/test/pool/main/x/leak',
      '/repos/test/.publish',
      `/repos/test/dists/${DIST}/.generation.json`,
      '/repos/test/debyard.db',
      '/repos/test/pool/%2e%2e/%2e%2e/debyard.db',
      '/repos/test/dists/..%2f..%2f..%2fsecret.txt',
      '/repos/nosuch/dists',
      `/repos/test/dists/${DIST}`,
    ]) {
      const res = await fetch(base + p);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('TOP-SECRET');
    }
    // A raw request line with ../ (fetch would normalize it).
    const raw = await rawGet(base, '/repos/test/../../secret.txt');
    expect(raw).toMatch(/^HTTP\/1\.1 404/);
  });

  it('answers ls, show and search', async () => {
    const base = await app();
    const ls = await body(
      await fetch(`${base}/api/v1/ls?package=foo-tools`, {
        headers: { accept: 'application/json' },
      }),
    );
    expect(
      ls.versions.map(
        (v: { source: string; version: string; distribution: string }) =>
          `${v.source} ${v.version} ${v.distribution}`,
      ),
    ).toEqual([`libfoo 1.0 ${DIST}`]);
    const show = await body(await fetch(`${base}/api/v1/show?package=libfoo`));
    expect(show.versions[0].binaries.map((b: { package: string }) => b.package)).toEqual([
      'foo-tools',
      'libfoo1',
    ]);
    // Architecture: any in a distribution of amd64 and arm64, built for amd64 only.
    expect(show.versions[0].missingArchitectures).toEqual(['arm64']);
    expect(showCall.format!(show)).toContain('missing: arm64 (no binaries of this version)');
    const search = await body(await fetch(`${base}/api/v1/search?pattern=foo`));
    expect(search.matches).toEqual([
      { name: 'foo-tools', kind: 'binary' },
      { name: 'libfoo', kind: 'source' },
      { name: 'libfoo1', kind: 'binary' },
    ]);
    const bad = await fetch(`${base}/api/v1/search?pattern=${encodeURIComponent('%')}`);
    expect(bad.status).toBe(400);
    expect((await body(bad)).detail).toBe(
      '"%" is not a package name pattern (lower-case letters, digits, . + - and *)',
    );
    const unknown = await fetch(`${base}/api/v1/sources_list?repo=test&suite=nosuch`);
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).detail).toBe(
      'repository test has no suite nosuch (it has experimental, unstable, testing, hotfix, stable)',
    );
  });
});

function rawGet(base: string, target: string, header?: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () =>
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: x\r\n${header ? `${header}\r\n` : ''}Connection: close\r\n\r\n`,
      ),
    );
    let data = '';
    socket.on('data', (c) => (data += c));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}
