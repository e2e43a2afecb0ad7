import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReposRouter } from '../../../src/web/repos-router.js';
import {
  buildDeb,
  buildSource,
  IsolatedApt,
  persistentTempDir,
  serve,
} from '../../fixtures/index.js';
import {
  openTestArchive,
  type TestArchive,
  testSigner,
  type TestArchiveSigner,
} from '../../fixtures/subsystems.js';
import { rmSync } from 'node:fs';

const DIST = 'bookworm-test-unstable';

/** An archive with hello 1.0 (source, amd64, arm64, arch:all hello-data) installed. */
async function helloArchive(uncompressedIndexBytes?: number) {
  const dir = persistentTempDir('debyard-apt-');
  const signer = await testSigner(dir);
  const archive = openTestArchive({
    home: path.join(dir, 'home'),
    signer,
    releaseValidDays: 7,
    ...(uncompressedIndexBytes === undefined ? {} : { uncompressedIndexBytes }),
  });
  await (
    await archive.service.start()
  ).published;
  const pkgs = path.join(dir, 'pkgs');
  const dsc = buildSource(pkgs, { name: 'hello', version: '1.0' });
  const debs = [
    buildDeb(pkgs, {
      name: 'hello',
      version: '1.0',
      architecture: 'amd64',
      files: { 'usr/bin/hello': '#!/bin/sh\necho hello\n' },
      depends: 'hello-data',
    }),
    buildDeb(pkgs, { name: 'hello', version: '1.0', architecture: 'arm64' }),
    buildDeb(pkgs, { name: 'hello-data', version: '1.0', architecture: 'all', source: 'hello' }),
  ];
  await archive.service.archive.install({ distribution: DIST, packages: [{ dsc, debs }] });
  return { dir, signer, archive };
}

// [archive] uncompressed_index_limit: 16M (every index here is smaller) and 0 (none is).
describe.each([
  { limit: undefined, plain: true },
  { limit: 0, plain: false },
])(
  'apt-get against a published archive (real apt over HTTP), plain indices up to $limit',
  ({ limit, plain }) => {
    let dir: string;
    let signer: TestArchiveSigner;
    let archive: TestArchive;

    beforeAll(async () => {
      ({ dir, signer, archive } = await helloArchive(limit));
    });

    it(
      plain
        ? 'publishes Packages and Sources plain too'
        : 'publishes them compressed only, their plain form listed in the Release (apt looks indices up by it)',
      async () => {
        await archive.service.snapshots.create({ distribution: DIST, name: 'frozen' });
        const snapshot = path.join(archive.reposRoot, 'test', 'snapshots', 'frozen', 'dists');
        for (const dists of [path.join(archive.reposRoot, 'test', 'dists'), snapshot]) {
          const release = readFileSync(path.join(dists, DIST, 'Release'), 'utf8');
          for (const index of [
            'main/binary-amd64/Packages',
            'main/binary-arm64/Packages',
            'main/source/Sources',
          ]) {
            expect(existsSync(path.join(dists, DIST, index)), index).toBe(plain);
            expect(release, index).toContain(` ${index}\n`);
            for (const suffix of ['.gz', '.xz']) {
              expect(existsSync(path.join(dists, DIST, index + suffix)), index + suffix).toBe(true);
              expect(release, index + suffix).toContain(` ${index}${suffix}\n`);
            }
          }
        }
      },
    );

    afterAll(() => {
      archive?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('updates and installs with no warning, also by hash', async () => {
      const app = express();
      const requests: string[] = [];
      app.use((req, _res, next) => {
        requests.push(req.path);
        next();
      });
      app.use(createReposRouter({ reposRoot: archive.reposRoot }));
      const url = await serve(app);
      for (const byHash of ['yes', 'force']) {
        const apt = new IsolatedApt(path.join(dir, `apt-${byHash}`), 'amd64');
        apt.addSource('debyard', {
          uri: `${url}/repos/test`,
          suites: [DIST],
          components: ['main'],
          signedBy: signer.keyFile,
        });
        // This machine turns the date checks off globally; turn them on again.
        const opts = [
          '-o',
          `Acquire::By-Hash=${byHash}`,
          '-o',
          'Acquire::Check-Date=true',
          '-o',
          'Acquire::Check-Valid-Until=true',
        ];
        requests.length = 0;
        const update = await apt.aptGet(['update'], opts);
        expect(update.problems, update.output).toEqual([]);
        expect(update.code).toBe(0);
        expect(update.output).not.toMatch(/^Ign:/m);
        const indices = requests.filter((r) => r.includes('/main/'));
        expect(indices.length).toBeGreaterThan(0);
        expect(indices.every((r) => r.includes('/by-hash/SHA256/'))).toBe(true);
        const install = await apt.aptGet(['install', 'hello'], opts);
        expect(install.problems, install.output).toEqual([]);
        expect(install.code, install.output).toBe(0);
        expect(readFileSync(path.join(apt.root, 'usr/bin/hello'), 'utf8')).toContain('echo hello');
        expect(existsSync(path.join(apt.root, 'usr/share/hello-data/hello-data.txt'))).toBe(true);
        const source = await apt.aptGet(['source', '--download-only', 'hello'], opts);
        expect(source.code, source.output).toBe(0);
      }
    });
  },
);
