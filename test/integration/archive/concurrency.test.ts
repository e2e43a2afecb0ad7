import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildDeb,
  buildSource,
  checkPublishedDist,
  persistentTempDir,
} from '../../fixtures/index.js';
import { openTestArchive, testSigner } from '../../fixtures/subsystems.js';

const DISTS = ['bookworm-test-unstable', 'bookworm-test-experimental', 'bookworm-test-hotfix'];

describe('concurrent changes', () => {
  const dir = persistentTempDir('debyard-conc-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no install when many run at once into the same and different distributions', async () => {
    const archive = openTestArchive({
      home: path.join(dir, 'home'),
      signer: await testSigner(dir),
    });
    try {
      await (
        await archive.service.start()
      ).published;
      const jobs = DISTS.flatMap((distribution, d) =>
        Array.from({ length: 8 }, (_, n) => {
          const name = `par${d}x${n}`;
          const version = '1.0';
          const out = path.join(dir, 'pkgs', name);
          return {
            distribution,
            name,
            packages: [
              {
                dsc: buildSource(out, { name, version }),
                debs: [buildDeb(out, { name, version, architecture: 'amd64' })],
              },
            ],
          };
        }),
      );
      // Upgrades of one source racing in the same distribution: the higher must win.
      const race = ['2.0', '3.0', '4.0'].map((version) => {
        const out = path.join(dir, 'pkgs', `race-${version}`);
        return {
          distribution: DISTS[0]!,
          name: 'race',
          packages: [
            {
              dsc: buildSource(out, { name: 'race', version }),
              debs: [buildDeb(out, { name: 'race', version, architecture: 'amd64' })],
            },
          ],
        };
      });
      const results = await Promise.allSettled(
        [...jobs, ...race].map((j) =>
          archive.service.archive.install({ distribution: j.distribution, packages: j.packages }),
        ),
      );
      // The par* installs all succeed; of the racing upgrades, one that commits after a
      // higher one is refused as not higher, never lost silently or applied out of order.
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason]] : []));
      for (const [i, reason] of failed) {
        expect(i).toBeGreaterThanOrEqual(jobs.length);
        expect(String(reason)).toMatch(/^ConflictError: race \d\.0 is not higher than \d\.0/);
      }
      for (const [d, dist] of DISTS.entries()) {
        const packagesFile = readFileSync(
          path.join(archive.reposRoot, 'test', 'dists', dist, 'main/binary-amd64/Packages'),
          'utf8',
        );
        for (let n = 0; n < 8; n++)
          expect(packagesFile).toMatch(new RegExp(`^Package: par${d}x${n}$`, 'm'));
        expect(checkPublishedDist(path.join(archive.reposRoot, 'test'), dist)).toEqual([]);
      }
      const placed = archive.service.queries.show(['race']);
      expect(placed.find((v) => v.distribution === DISTS[0])?.version).toBe('4.0');
      const versions = placed.map((v) => v.version);
      expect(versions.length).toBe(3 - failed.length);
      // Listed by distribution: the suite, then rollback0, rollback1 — newest first.
      expect(versions).toEqual([...versions].sort().reverse());
      expect(archive.service.queries.show(['par0x0']).length).toBe(1);
    } finally {
      archive.close();
    }
  }, 120_000);
});
