import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildDebs,
  checkPublishedDist,
  persistentTempDir,
  REPO_ROOT,
  waitForExit,
} from '../../fixtures/index.js';
import {
  CRASH_DIST as DIST,
  crashArchiveHome,
  openTestArchive,
} from '../../fixtures/subsystems.js';

const KILLS = 10;
// 260 files: above the 256 from which the install links on a thread of its own.
const SOURCES = 130;
const WORKER = path.join(REPO_ROOT, 'test', 'helpers', 'archive-worker.mjs');

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * A bulk install of 260 handed-over .debs — linked into the pool on a thread of its own
 * while the transaction writes the database — killed with SIGKILL at chosen moments. After
 * each kill the published tree verifies with apt and names only pool files that are there;
 * the last run installs everything, and the pool sweep leaves exactly the files the
 * database names. About half a minute.
 */
describe('crash safety of a bulk install', () => {
  const dir = persistentTempDir('debyard-bulk-crash-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`loses nothing and leaves nothing across ${KILLS} kill -9s`, async () => {
    const { signer, home, reposRoot, apt } = await crashArchiveHome(dir, 1);
    // Every run installs sources of its own, so each has 300 fresh files for the thread.
    const lists: string[] = [];
    for (let run = 0; run < KILLS + 2; run++) {
      const specs = Array.from({ length: SOURCES }, (_, i) => [
        { name: `r${run}s${i}`, version: '1.0', architecture: 'amd64' },
        { name: `r${run}s${i}-doc`, source: `r${run}s${i}`, version: '1.0', architecture: 'all' },
      ]).flat();
      const debs = await buildDebs(path.join(dir, 'debs', `${run}`), specs);
      const list = path.join(dir, `bulk-${run}.json`);
      writeFileSync(
        list,
        JSON.stringify(
          Array.from({ length: SOURCES }, (_, i) => ({
            name: `r${run}s${i}`,
            distribution: DIST,
            debs: [debs[2 * i], debs[2 * i + 1]],
          })),
        ),
      );
      lists.push(list);
    }
    // Run 0 measures how long a bulk takes here. Then, in turn, a kill at a random moment
    // within that time (mostly while it reads), one within 20 ms of the link thread's start
    // (while it links and the transaction writes), and one while the transaction holds the
    // links but has not committed (the test worker holds it open a second there). The last
    // run goes to the end.
    let bulkMs = 0;
    let interrupted = 0;
    let random = 4242;
    const rand = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const moments = [
      { after: 'started', within: () => bulkMs },
      { after: 'linking on a thread', within: () => 20 },
      { after: 'linked, not committed', within: () => 300 },
    ];
    for (let run = 0; run < KILLS + 2; run++) {
      const child = spawn(process.execPath, [WORKER, home, signer.keysDir, lists[run]!, 'bulk'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (c) => (output += c));
      child.stderr!.on('data', (c) => (output += c));
      const killed = run > 0 && run <= KILLS;
      if (killed) {
        const moment = moments[(run - 1) % moments.length]!;
        await new Promise<void>((resolve) => {
          const check = () => output.includes(moment.after) && resolve();
          child.stdout!.on('data', check);
          child.once('exit', () => resolve());
        });
        await new Promise((r) => setTimeout(r, rand() * moment.within()));
        child.kill('SIGKILL');
      }
      const exit = await waitForExit(child, 120_000);
      expect(output).toMatch(/linking on a thread|^started\n$/);
      if (!killed) {
        expect(exit.code, output).toBe(0);
        bulkMs ||= Number(/installed \d+ in (\d+) ms/.exec(output)![1]);
      } else if (!output.includes('installed')) {
        interrupted++;
      }
      expect(checkPublishedDist(path.join(reposRoot, 'test'), DIST), `after run ${run}`).toEqual(
        [],
      );
      const update = await apt.aptGet(['update']);
      expect(update.problems, `after run ${run}: ${update.output}`).toEqual([]);
    }
    // Most kills must land inside the install (not after it), or this tests little.
    expect(interrupted, 'kills that interrupted the bulk install').toBeGreaterThanOrEqual(
      KILLS / 2,
    );
    const packages = readFileSync(
      path.join(reposRoot, 'test', 'dists', DIST, 'main', 'binary-amd64', 'Packages'),
      'utf8',
    );
    const archive = openTestArchive({ home, signer, repositories: [] });
    try {
      // Each bulk is all or nothing, and what the database holds is what apt is offered.
      const binaries = archive.db.prepare('SELECT count(*) FROM archive_binaries').pluck().get();
      expect(Number(binaries) % (2 * SOURCES)).toBe(0);
      expect(Number(binaries)).toBeGreaterThanOrEqual(2 * 2 * SOURCES);
      expect(packages.match(/^Package: /gm)).toHaveLength(Number(binaries));
      // The kills between the links and the commit left files no row names: swept now.
      expect(await archive.service.sweepPool()).toBeGreaterThan(0);
      const named = archive.db
        .prepare('SELECT path, sha256 FROM archive_pool_files ORDER BY path')
        .all() as { path: string; sha256: string }[];
      expect(named).toHaveLength(Number(binaries));
      const root = path.join(reposRoot, 'test');
      expect(
        filesBelow(path.join(root, 'pool'))
          .map((f) => `pool/${f}`)
          .sort(),
      ).toEqual(named.map((f) => f.path));
      for (const f of named) expect(sha256(path.join(root, f.path))).toBe(f.sha256);
      // Hard links of the handed-over files, as the link thread makes them.
      expect(statSync(path.join(root, named[0]!.path)).nlink).toBeGreaterThanOrEqual(2);
    } finally {
      archive.close();
    }
  }, 300_000);
});
