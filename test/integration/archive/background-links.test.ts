import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackgroundLinks } from '../../../src/archive/pool/background-links.js';
import { buildDebs, persistentTempDir, tempDir } from '../../fixtures/index.js';
import { openTestArchive, type TestArchive, testSigner } from '../../fixtures/subsystems.js';

// The thread's script is the built one (npm test builds first), as the daemon runs it.
const script = new URL('../../../dist/archive/pool/pool-link-worker.js', import.meta.url);
const UNSTABLE = 'bookworm-test-unstable';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** `count` plain files under `dir`, and where each should be linked to. */
function someFiles(dir: string, count: number) {
  mkdirSync(path.join(dir, 'in'), { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const from = path.join(dir, 'in', `f${i}`);
    writeFileSync(from, `file ${i}\n`);
    return { from, to: path.join(dir, 'pool', `s${i % 7}`, `f${i}`) };
  });
}

describe('BackgroundLinks: hard links on a thread of their own', () => {
  it('links every file, creating the folders, while this thread waits', () => {
    expect(existsSync(fileURLToPath(script))).toBe(true);
    const dir = tempDir();
    const files = someFiles(dir, 300);
    const links = BackgroundLinks.start(files, dir, script)!;
    expect(links.waitSync()).toEqual({ failed: [], syncError: null });
    for (const { from, to } of files) expect(statSync(to).ino).toBe(statSync(from).ino);
  });

  it('names the files it could not link and links the rest', () => {
    const dir = tempDir();
    const files = someFiles(dir, 20);
    // A leftover at one target (a crash) and a handed-over file that is gone.
    mkdirSync(path.dirname(files[3]!.to), { recursive: true });
    writeFileSync(files[3]!.to, 'leftover\n');
    rmSync(files[11]!.from);
    const outcome = BackgroundLinks.start(files, dir, script)!.waitSync();
    expect(outcome).toEqual({ failed: [3, 11], syncError: null });
    expect(readFileSync(files[3]!.to, 'utf8')).toBe('leftover\n');
    expect(existsSync(files[11]!.to)).toBe(false);
    expect(readFileSync(files[12]!.to, 'utf8')).toBe('file 12\n');
  });

  it('can be awaited instead of waited for, and gives the same outcome to both', async () => {
    const dir = tempDir();
    const links = BackgroundLinks.start(someFiles(dir, 50), dir, script)!;
    const outcome = await links.done();
    expect(outcome).toEqual({ failed: [], syncError: null });
    expect(links.waitSync()).toBe(outcome);
  });

  it('gives up with the reason when the thread dies before it answers', async () => {
    const dir = tempDir();
    const dying = path.join(dir, 'dying.mjs');
    writeFileSync(dying, "throw new Error('out of luck');\n");
    const links = BackgroundLinks.start(someFiles(dir, 3), dir, pathToFileURL(dying))!;
    expect(await links.done()).toEqual({
      failed: [],
      syncError: 'the link thread failed: out of luck',
    });
  });

  it('stops waiting at its time limit when the thread never answers', async () => {
    const dir = tempDir();
    const stuck = path.join(dir, 'stuck.mjs');
    writeFileSync(stuck, 'setInterval(() => {}, 1000);\n');
    const links = BackgroundLinks.start(someFiles(dir, 3), dir, pathToFileURL(stuck))!;
    const started = Date.now();
    expect(() => links.waitSync(1500)).toThrow(
      /hard-linking 3 files into the pool took more than 2 s/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    // The install's clean-up then waits for the thread: it must not hang either.
    expect((await links.done()).syncError).toMatch(/took more than 2 s/);
  });

  it('says so when its script is not there (run from the sources): the caller links in-thread', () => {
    const dir = tempDir();
    const missing = new URL('./no-such-worker.js', script);
    expect(BackgroundLinks.start(someFiles(dir, 3), dir, missing)).toBeUndefined();
  });
});

describe('a bulk install of handed-over files, linked while the database is written', () => {
  let dir: string;
  let archive: TestArchive;
  let debs: string[];

  beforeAll(async () => {
    dir = persistentTempDir('debyard-bglinks-');
    archive = openTestArchive({
      home: path.join(dir, 'home'),
      signer: await testSigner(dir),
      poolLinkScript: script,
    });
    await (
      await archive.service.start()
    ).published;
    const specs = ['bulk', 'more'].flatMap((prefix) =>
      Array.from({ length: 135 }, (_, i) =>
        ['amd64', 'arm64'].map((architecture) => ({
          name: `${prefix}${i}`,
          version: '1.0',
          architecture,
        })),
      ).flat(),
    );
    debs = await buildDebs(path.join(dir, 'debs'), specs);
  }, 180_000);

  afterAll(() => {
    archive?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const poolFile = (deb: string) => {
    const name = path.basename(deb);
    const source = name.split('_')[0]!;
    return path.join(archive.reposRoot, 'test', 'pool', 'main', source[0]!, source, name);
  };

  /** Installs the .debs (handed over), watching whether the link thread took them. */
  async function install(files: string[]) {
    const start = vi.spyOn(BackgroundLinks, 'start');
    try {
      const results = await archive.service.archive.install({
        distribution: UNSTABLE,
        // One package per source: its amd64 and arm64 .debs (built next to each other).
        packages: files.flatMap((deb, i) => (i % 2 ? [] : [{ debs: [deb, files[i + 1]!] }])),
        handOver: true,
      });
      return { results, threaded: start.mock.results.some((r) => r.value !== undefined) };
    } finally {
      start.mockRestore();
    }
  }

  it('puts every file in the pool as a hard link and publishes every package', async () => {
    const first = debs.slice(0, 270);
    const { results, threaded } = await install(first);
    expect(threaded).toBe(true);
    expect(results.every((r) => r.changed)).toBe(true);
    for (const deb of first) expect(statSync(poolFile(deb)).ino).toBe(statSync(deb).ino);
    const packages = readFileSync(
      path.join(archive.reposRoot, 'test', 'dists', UNSTABLE, 'main', 'binary-amd64', 'Packages'),
      'utf8',
    );
    expect(packages.match(/^Package: /gm)).toHaveLength(135);
    expect(archive.db.prepare('SELECT count(*) FROM archive_pool_files').pluck().get()).toBe(270);
  });

  it('replaces a crash leftover the thread could not link over, the usual way', async () => {
    const more = debs.slice(270);
    const leftover = poolFile(more[7]!);
    mkdirSync(path.dirname(leftover), { recursive: true });
    writeFileSync(leftover, 'half-written leftover of an install that crashed\n');
    const other = path.join(dir, 'other');
    linkSync(leftover, other); // keeps the leftover's content to look at
    const { results, threaded } = await install(more);
    expect(threaded).toBe(true);
    expect(results.every((r) => r.changed)).toBe(true);
    expect(sha256(leftover)).toBe(sha256(more[7]!));
    expect(readFileSync(other, 'utf8')).toMatch(/leftover/);
    for (const deb of more) expect(sha256(poolFile(deb))).toBe(sha256(deb));
    expect(archive.db.prepare('SELECT count(*) FROM archive_pool_files').pluck().get()).toBe(540);
  });
});
