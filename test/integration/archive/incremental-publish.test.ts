import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDebs, buildSource, persistentTempDir } from '../../fixtures/index.js';
import { openTestArchive, type TestArchive, testSigner } from '../../fixtures/subsystems.js';

const DIST = 'bookworm-test-unstable';
const SOURCES = 80;

/**
 * Each distribution's Release checksums and the bytes of every index file it names (a plain
 * index over the size limit is listed only).
 */
function published(archive: TestArchive): Map<string, string | Buffer> {
  const dists = path.join(archive.reposRoot, 'test', 'dists');
  const out = new Map<string, string | Buffer>();
  for (const dist of readdirSync(dists).filter((d) => !d.startsWith('.'))) {
    const release = readFileSync(path.join(dists, dist, 'Release'), 'utf8');
    const sums = release.slice(release.indexOf('SHA256:'));
    out.set(`${dist}/Release`, sums);
    for (const line of sums.split('\n').slice(1)) {
      const file = line.trim().split(/\s+/)[2];
      const at = file && path.join(dists, dist, file);
      if (at) out.set(`${dist}/${file}`, existsSync(at) ? readFileSync(at) : 'unserved');
    }
  }
  return out;
}

/**
 * A daemon publishes a change from the listings and segments it kept since its last
 * publish (only the changed sources re-read, only the changed segments cut again). What it
 * publishes after a run of changes must be, byte for byte, what a fresh process publishes
 * from scratch for the same state (all entries listed, every segment compressed anew).
 */
const DIGEST_THREAD = new URL('../../../dist/archive/publish/digest-worker.js', import.meta.url);

// Plain indices up to 16M (all of them here), and none (uncompressed_index_limit = 0),
// hashed on the digest thread as the daemon does; and none hashed in this thread with the
// segments' texts read back from the database for every publish (the SegmentFile emptied
// after each build) and fresh ones from the SegmentFile to be compressed (none held).
describe.each([
  { limit: 16 << 20, slack: undefined, thread: undefined, held: undefined },
  { limit: 0, slack: undefined, thread: DIGEST_THREAD, held: undefined },
  { limit: 0, slack: -Infinity, thread: undefined, held: 0 },
])(
  'a publish after incremental changes equals a publish from scratch (plain indices up to $limit bytes, segment file slack $slack, digest thread $thread, held texts $held)',
  ({ limit, slack, thread, held }) => {
    const dir = persistentTempDir('debyard-incremental-');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('gives the same indices and Release checksums', async () => {
      const signer = await testSigner(dir);
      const home = path.join(dir, 'home');
      const a = openTestArchive({
        home,
        signer,
        uncompressedIndexBytes: limit,
        ...(slack !== undefined && { segmentFileSlack: slack }),
        ...(thread && { digestScript: thread }),
        ...(held !== undefined && { heldTextBytes: held }),
      });
      await (
        await a.service.start()
      ).published;
      const specs = Array.from({ length: SOURCES }, (_, i) => [
        { name: `b${i}`, version: '1.0', architecture: 'amd64' },
        { name: `b${i}-doc`, source: `b${i}`, version: '1.0', architecture: 'all' },
      ]).flat();
      const debs = await buildDebs(path.join(dir, 'bulk'), specs);
      await a.service.archive.install({
        distribution: DIST,
        packages: Array.from({ length: SOURCES }, (_, i) => ({
          debs: [debs[2 * i]!, debs[2 * i + 1]!],
        })),
      });
      const one = async (name: string, version: string, archs: string[], withSource = false) => {
        const out = path.join(dir, 'one', `${name}-${version}`);
        const built = await buildDebs(
          out,
          archs.map((architecture) => ({
            name: architecture === 'all' ? `${name}-doc` : name,
            source: name,
            version,
            architecture,
          })),
        );
        await a.service.archive.install({
          distribution: DIST,
          packages: [
            {
              ...(withSource ? { dsc: buildSource(out, { name, version }) } : {}),
              debs: built,
            },
          ],
        });
      };
      // New sources at the start and the end of the order, a newer version (the old one
      // goes to the rollback), a removal, one architecture only, a source with its .dsc.
      await one('aaa', '1.0', ['amd64', 'all'], true);
      await one('zzz', '1.0', ['all']);
      await one('b10', '2.0', ['amd64', 'all']);
      await a.service.archive.remove(DIST, 'b20');
      await one('mmm', '1.0', ['arm64']);
      await one('b30', '1.1', ['amd64', 'all'], true);
      await a.service.publisher.idle();
      const incremental = published(a);
      a.close();

      const b = openTestArchive({ home, signer, uncompressedIndexBytes: limit });
      try {
        b.db.prepare('DELETE FROM archive_segments').run();
        const dists = readdirSync(path.join(b.reposRoot, 'test', 'dists')).filter(
          (d) => !d.startsWith('.'),
        );
        await b.service.republish('test', dists);
        const scratch = published(b);
        expect([...incremental.keys()].sort()).toEqual([...scratch.keys()].sort());
        for (const [file, content] of scratch) expect(incremental.get(file), file).toEqual(content);
        expect(String(incremental.get(`${DIST}/Release`))).toContain('main/binary-arm64/Packages');
        const plain = incremental.get(`${DIST}/main/binary-amd64/Packages`);
        if (limit === 0) expect(plain).toBe('unserved');
        else expect(String(plain)).toContain('Package: zzz-doc');
      } finally {
        b.close();
      }
    });
  },
);
