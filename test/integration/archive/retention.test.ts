import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import {
  buildDeb,
  buildSource,
  checkPublishedDist,
  persistentTempDir,
} from '../../fixtures/index.js';
import { openTestArchive, type TestArchive, testSigner } from '../../fixtures/subsystems.js';

const DIST = 'bookworm-test-hotfix';
const MINUTE = 60_000;

describe('retention: by-hash generations, pool garbage, Date and Valid-Until', () => {
  const dir = persistentTempDir('debyard-retention-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let archive: TestArchive;

  const install = (name: string, version = '1.0') => {
    const out = path.join(dir, 'pkgs', `${name}-${version}`);
    return archive.service.archive.install({
      distribution: DIST,
      packages: [
        {
          dsc: buildSource(out, { name, version }),
          debs: [buildDeb(out, { name, version, architecture: 'amd64' })],
        },
      ],
    });
  };
  const distFile = (file: string) => path.join(archive.reposRoot, 'test', 'dists', DIST, file);
  const packagesHash = () =>
    / ([0-9a-f]{64}) +\d+ main\/binary-amd64\/Packages\.xz$/m.exec(
      readFileSync(distFile('Release'), 'utf8'),
    )![1]!;
  const byHash = (hash: string) => distFile(`main/binary-amd64/by-hash/SHA256/${hash}`);
  const date = () => /^Date: (.+)$/m.exec(readFileSync(distFile('Release'), 'utf8'))![1]!;

  it('keeps old by-hash indices and pool files for the retention time, then drops them', async () => {
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    archive = openTestArchive({
      home: path.join(dir, 'home'),
      signer: await testSigner(dir),
      clock,
      retentionMinutes: 60,
      releaseValidDays: 7,
    });
    try {
      await (
        await archive.service.start()
      ).published;
      await install('keep');
      const first = packagesHash();
      const firstDate = date();
      await install('gone');
      // The clock did not move: the Date still goes up by a second.
      expect(Date.parse(date()) - Date.parse(firstDate)).toBe(1000);
      const pooled = path.join(archive.reposRoot, 'test', 'pool/main/g/gone/gone_1.0_amd64.deb');
      await archive.service.archive.remove(DIST, 'gone');
      clock.advance(10 * MINUTE);
      for (const n of [1, 2, 3]) await install(`more${n}`);
      // Within the retention time: every older Packages.xz is still there by hash,
      // and the removed package's files stay in the pool.
      expect(existsSync(byHash(first))).toBe(true);
      expect(await archive.service.collectGarbage()).toBe(0);
      expect(existsSync(pooled)).toBe(true);

      clock.advance(61 * MINUTE);
      for (const n of [4, 5, 6]) await install(`more${n}`);
      expect(existsSync(byHash(first))).toBe(false);
      expect(await archive.service.collectGarbage()).toBe(3);
      expect(existsSync(pooled)).toBe(false);
      expect(existsSync(path.dirname(pooled))).toBe(false);
      expect(
        existsSync(path.join(archive.reposRoot, 'test', 'pool/main/k/keep/keep_1.0_amd64.deb')),
      ).toBe(true);
      expect(checkPublishedDist(path.join(archive.reposRoot, 'test'), DIST)).toEqual([]);

      // Valid-Until: 7 days after the Date; refreshed once less than half of it is left.
      const release = readFileSync(distFile('Release'), 'utf8');
      const validUntil = /^Valid-Until: (.+)$/m.exec(release)![1]!;
      expect(Date.parse(validUntil) - Date.parse(date())).toBe(7 * 86_400_000);
      const before = date();
      await archive.service.refreshExpiring();
      expect(date()).toBe(before);
      clock.advance(4 * 86_400_000);
      await archive.service.refreshExpiring();
      expect(Date.parse(date())).toBeGreaterThan(Date.parse(before) + 3 * 86_400_000);
      expect(checkPublishedDist(path.join(archive.reposRoot, 'test'), DIST)).toEqual([]);
    } finally {
      archive.close();
    }
  }, 120_000);

  it('keeps the SHA512 names of a generation an older version published, while it is retained', async () => {
    archive = openTestArchive({
      home: path.join(dir, 'home-sha512'),
      signer: await testSigner(dir),
      retentionMinutes: 60,
    });
    try {
      await (
        await archive.service.start()
      ).published;
      await install('keep');
      // As an older version left it: the generation's files recorded with a SHA-512 each,
      // linked under by-hash/SHA512/ as well.
      const row = archive.db
        .prepare(
          'SELECT generation, files FROM archive_generations WHERE distribution = ? ORDER BY generation DESC LIMIT 1',
        )
        .get(DIST) as { generation: number; files: string };
      const files = (
        JSON.parse(row.files) as { path: string; sha256: string; unserved?: true }[]
      ).map((f) => {
        if (f.unserved) return f;
        const sha512 = createHash('sha512')
          .update(readFileSync(distFile(f.path)))
          .digest('hex');
        const named = distFile(path.join(path.dirname(f.path), 'by-hash', 'SHA512', sha512));
        mkdirSync(path.dirname(named), { recursive: true });
        linkSync(distFile(f.path), named);
        return { ...f, sha512 };
      });
      archive.db
        .prepare(
          'UPDATE archive_generations SET files = ? WHERE distribution = ? AND generation = ?',
        )
        .run(JSON.stringify(files), DIST, row.generation);
      const old = files.find((f) => f.path === 'main/binary-amd64/Packages.xz') as {
        sha256: string;
        sha512: string;
      };
      const oldName = `main/binary-amd64/by-hash/SHA512/${old.sha512}`;

      await install('more');
      const release = readFileSync(distFile('Release'), 'utf8');
      expect(release).toMatch(/^SHA256:$/m);
      expect(release).not.toMatch(/^SHA512:$/m);
      // The replaced Packages.xz stays under both names a client of the old Release may ask.
      expect(existsSync(distFile(oldName))).toBe(true);
      const old256 = byHash(old.sha256);
      expect(readFileSync(distFile(oldName))).toEqual(readFileSync(old256));
      // The new one has its SHA256 name only.
      const fresh = packagesHash();
      expect(existsSync(byHash(fresh))).toBe(true);
      const sha512Dir = distFile('main/binary-amd64/by-hash/SHA512');
      const fresh512 = createHash('sha512')
        .update(readFileSync(distFile('main/binary-amd64/Packages.xz')))
        .digest('hex');
      expect(existsSync(path.join(sha512Dir, fresh512))).toBe(false);
      expect(checkPublishedDist(path.join(archive.reposRoot, 'test'), DIST)).toEqual([]);
    } finally {
      archive.close();
    }
  }, 120_000);
});
