import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildDeb,
  buildSource,
  checkPublishedDist,
  persistentTempDir,
  REPO_ROOT,
  waitForExit,
} from '../../fixtures/index.js';
import { CRASH_DIST as DIST, crashArchiveHome } from '../../fixtures/subsystems.js';

const KILLS = 50;
const WORKER = path.join(REPO_ROOT, 'test', 'helpers', 'archive-worker.mjs');

/**
 * Kills a publishing process with SIGKILL at random moments during a stream of installs
 * (with upgrades, so rollbacks shift and pool files are released). After every kill,
 * before any recovery, real apt-get update must verify the published tree and every pool
 * file an index names must exist with its hash. Costs about 1-2 minutes.
 */
describe('crash safety of publishing', () => {
  const dir = persistentTempDir('debyard-crash-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps a consistent published tree across ${KILLS} kill -9s`, async () => {
    const { signer, home, apt } = await crashArchiveHome(dir, 2);
    // Built in batches of one new version of each source, as the stream needs them.
    const packages: { name: string; distribution: string; dsc: string; debs: string[] }[] = [];
    let version = 0;
    const moreVersions = () => {
      version++;
      for (let n = 0; n < 16; n++) {
        const out = path.join(dir, 'pkgs', `${version}`);
        const name = `crash${n}`;
        packages.push({
          name: `${name} ${version}.0`,
          distribution: DIST,
          dsc: buildSource(out, { name, version: `${version}.0` }),
          debs: [buildDeb(out, { name, version: `${version}.0`, architecture: 'amd64' })],
        });
      }
    };
    moreVersions();
    let next = 0;
    let kills = 0;
    let random = 12345;
    const rand = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    while (kills < KILLS || next < packages.length) {
      if (kills < KILLS && packages.length - next < 8) moreVersions();
      const list = path.join(dir, `list-${kills}.json`);
      writeFileSync(list, JSON.stringify(packages.slice(next)));
      const child = spawn(process.execPath, [WORKER, home, signer.keysDir, list], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (c) => (output += c));
      child.stderr!.on('data', (c) => (output += c));
      const killed = kills < KILLS;
      if (killed) {
        await waitForLine(child, () => output.includes('started'), 30_000);
        await new Promise((r) => setTimeout(r, 20 + rand() * 400));
        child.kill('SIGKILL');
        kills++;
      }
      const exit = await waitForExit(child, 120_000);
      if (!killed) expect(exit.code, output).toBe(0);
      const installed = output.split('\n').filter((l) => l.startsWith('installed ')).length;
      next += installed;

      const problems = checkPublishedDist(path.join(home, 'repos', 'test'), DIST);
      expect(problems, `after kill ${kills}`).toEqual([]);
      const byHash = kills % 2 === 0 ? 'force' : 'yes';
      const update = await apt.aptGet(['update'], ['-o', `Acquire::By-Hash=${byHash}`]);
      expect(update.problems, `after kill ${kills}: ${update.output}`).toEqual([]);
    }
    expect(kills).toBe(KILLS);
    const final = await apt.aptCache(['policy', 'crash15']);
    expect(final.output).toMatch(new RegExp(`Candidate: ${version}\\.0`));
    mkdirSync(path.join(dir, 'done'), { recursive: true });
  }, 600_000);
});

function waitForLine(child: ChildProcess, ready: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker did not start')), timeoutMs);
    const check = () => {
      if (ready()) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    check();
  });
}
