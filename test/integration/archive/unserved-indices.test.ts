import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDeb, persistentTempDir } from '../../fixtures/index.js';
import { installVersion, openTestArchive, testSigner } from '../../fixtures/subsystems.js';
import type { PublishedFile } from '../../../src/archive/publish/index-records.js';

const DIST = 'bookworm-test-unstable';

/**
 * With uncompressed_index_limit = 0 the plain Packages and Sources are listed in the Release
 * but not written. A generation a crash switched in but left unrecorded is recorded from
 * its Release at the next start: the listed files it does not hold must be known as
 * unserved, or the next publish, carrying unchanged indices over, looks for their content.
 */
describe('plain indices listed but not served, across a crash', () => {
  const dir = persistentTempDir('debyard-unserved-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records them as unserved from the Release and publishes on', async () => {
    const signer = await testSigner(dir);
    const home = path.join(dir, 'home');
    const a = openTestArchive({ home, signer, uncompressedIndexBytes: 0 });
    await (
      await a.service.start()
    ).published;
    await installVersion(a, dir, DIST, 'one', '1.0');
    await a.service.publisher.idle();
    // The crash: the last generation is on disk and linked, but not in the database.
    const { generation } = a.db
      .prepare('SELECT generation FROM archive_dists WHERE name = ?')
      .get(DIST) as { generation: number };
    a.db
      .prepare('DELETE FROM archive_generations WHERE distribution = ? AND generation = ?')
      .run(DIST, generation);
    a.db
      .prepare('UPDATE archive_dists SET generation = ? WHERE name = ?')
      .run(generation - 1, DIST);
    a.close();

    const b = openTestArchive({ home, signer, uncompressedIndexBytes: 0 });
    try {
      await (
        await b.service.start()
      ).published;
      const row = b.db
        .prepare('SELECT files FROM archive_generations WHERE distribution = ? AND generation = ?')
        .get(DIST, generation) as { files: string } | undefined;
      const files = JSON.parse(row?.files ?? '[]') as PublishedFile[];
      const find = (p: string) => files.find((f) => f.path === p);
      expect(find('main/binary-amd64/Packages')).toMatchObject({ unserved: true });
      expect(find('main/binary-amd64/Packages.xz')?.unserved).toBeUndefined();
      // An empty index is not over any limit.
      expect(find('main/binary-arm64/Packages')).toMatchObject({ size: 0 });
      expect(find('main/binary-arm64/Packages')?.unserved).toBeUndefined();

      // arm64 changes; amd64's indices are carried over from the recovered generation.
      const deb = buildDeb(path.join(dir, 'two'), {
        name: 'two',
        version: '1.0',
        architecture: 'arm64',
      });
      await b.service.archive.install({ distribution: DIST, packages: [{ debs: [deb] }] });
      await b.service.publisher.idle();
      const dists = path.join(b.reposRoot, 'test', 'dists', DIST);
      const release = readFileSync(path.join(dists, 'Release'), 'utf8');
      for (const arch of ['amd64', 'arm64']) {
        expect(release).toContain(` main/binary-${arch}/Packages\n`);
        expect(existsSync(path.join(dists, `main/binary-${arch}/Packages`))).toBe(false);
        expect(existsSync(path.join(dists, `main/binary-${arch}/Packages.xz`))).toBe(true);
      }
      const { generation: now } = b.db
        .prepare('SELECT generation FROM archive_dists WHERE name = ?')
        .get(DIST) as { generation: number };
      expect(now).toBe(generation + 1);
    } finally {
      b.close();
    }
  });
});
