import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkPublishedDist,
  fixtureUpload,
  type FixtureUpload,
  IsolatedApt,
  persistentTempDir,
  spawnDaemon,
  type SpawnedDaemon,
  waitForExit,
} from '../../fixtures/index.js';
import { importTestChroot, mountsBelow, processesUnder } from '../../fixtures/subsystems.js';

const run = promisify(execFile);
const UPLOADS = 6;
const KILLS = 4;

/**
 * A daemon process (the built CLI) gets a batch of uploads, is killed with SIGKILL at
 * random moments several times and started again; in the end every upload is INSTALLED
 * or FAILED exactly once, nothing of a sandbox is left, and apt finds the archive
 * consistent. Costs about a minute and a half (real builds of a small arch:all package).
 */
describe('crash safety of the build queue', () => {
  const root = persistentTempDir('debyard-queue-crash-');
  const home = path.join(root, 'home');
  let daemon: SpawnedDaemon | undefined;
  afterAll(async () => {
    if (daemon) {
      daemon.child.kill('SIGKILL');
      await waitForExit(daemon.child, 10_000);
    }
    rmSync(root, { recursive: true, force: true });
  });

  const env = {
    DEBYARD_BUILD_PARALLELISM: '2',
    DEBYARD_BUILD_LINTIAN_MODE: 'disabled',
    DEBYARD_BUILD_MAX_ATTEMPTS: String(KILLS + 1),
    DEBYARD_IDENTITY: 'crashyard',
  };
  const start = () => spawnDaemon(['--home', home], env);
  const db = () => new BetterSqlite3(path.join(home, 'debyard.db'), { readonly: true });
  const states = (): Record<string, string> => {
    const conn = db();
    try {
      const rows = conn.prepare('SELECT changes_file, state FROM uploads').all() as {
        changes_file: string;
        state: string;
      }[];
      return Object.fromEntries(rows.map((r) => [r.changes_file, r.state]));
    } finally {
      conn.close();
    }
  };

  it(`ends every upload INSTALLED or FAILED exactly once across ${KILLS} kill -9s`, async () => {
    const { codename } = await importTestChroot(home);
    const codeversion = { bookworm: '12', trixie: '13' }[codename] ?? 'SID';
    daemon = await start();
    const dputCf = path.join(root, 'dput.cf');
    writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
    const uploads: FixtureUpload[] = [];
    for (let n = 1; n <= UPLOADS; n++) {
      const pkg = await fixtureUpload(root, 'hello-all', {
        version: `1.0~test${codeversion}+1`,
        distribution: `${codename}-test-unstable`,
        rename: `debyard-crash${n}`,
      });
      await run('dput', ['-U', '-c', dputCf, 'debyard-crashyard-test', pkg.changes], {
        cwd: pkg.dir,
        env: { ...process.env, HOME: root },
      });
      uploads.push(pkg);
    }
    const changes = uploads.map((u) => u.changes);
    await expect
      .poll(() => changes.filter((c) => states()[c] !== undefined).length, { timeout: 30_000 })
      .toBe(UPLOADS);

    const delays: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const delay = 300 + Math.floor(Math.random() * 5000);
      delays.push(delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      daemon.child.kill('SIGKILL');
      await waitForExit(daemon.child, 10_000);
      daemon = await start();
    }
    await expect
      .poll(
        () => changes.map((c) => states()[c]).filter((s) => s !== 'INSTALLED' && s !== 'FAILED'),
        {
          timeout: 180_000,
          interval: 500,
        },
      )
      .toEqual([]);
    const why = `kills after ${delays.join(', ')} ms`;

    // apt sees a consistent archive with every installed package.
    const apt = new IsolatedApt(path.join(root, 'apt'), 'amd64');
    const sources = await (
      await fetch(`${daemon.url}/api/v1/sources_list?repo=test&suite=unstable`)
    ).text();
    writeFileSync(path.join(root, 'apt', 'etc/apt/sources.list.d/debyard.sources'), sources);
    const update = await apt.aptGet(['update']);
    expect(update.problems, `${why}\n${update.output}`).toEqual([]);
    expect(
      checkPublishedDist(path.join(home, 'repos', 'test'), `${codename}-test-unstable`),
    ).toEqual([]);
    const installed = uploads.filter((u) => states()[u.changes] === 'INSTALLED');
    const policy = await apt.aptCache(['policy', ...installed.map((u) => u.source)]);
    for (const u of installed)
      expect(policy.output, why).toContain(
        `${u.source}:\n  Installed: (none)\n  Candidate: ${u.version}`,
      );

    daemon.child.kill('SIGTERM');
    expect((await waitForExit(daemon.child, 30_000)).code).toBe(0);
    daemon = undefined;
    const conn = db();
    try {
      for (const u of uploads) {
        const row = conn
          .prepare(
            `SELECT u.state,
               (SELECT COUNT(*) FROM events e WHERE e.upload_id = u.id AND e.type = 'INSTALLED') AS installed,
               (SELECT COUNT(*) FROM events e WHERE e.upload_id = u.id AND e.type = 'FAILED'
                  AND e.build_id IS NULL) AS failed
             FROM uploads u WHERE u.changes_file = ?`,
          )
          .get(u.changes) as { state: string; installed: number; failed: number };
        const once =
          row.state === 'INSTALLED' ? { installed: 1, failed: 0 } : { installed: 0, failed: 1 };
        expect(row, `${u.changes}, ${why}`).toEqual({ state: row.state, ...once });
      }
      expect(
        conn
          .prepare("SELECT COUNT(*) FROM builds WHERE state IN ('QUEUED', 'BUILDING')")
          .pluck()
          .get(),
      ).toBe(0);
    } finally {
      conn.close();
    }
    expect(readdirSync(path.join(home, 'chroots', 'snapshots'))).toEqual([]);
    expect(mountsBelow(home)).toEqual([]);
    expect(processesUnder(home)).toEqual([]);
    expect(installed.length, why).toBeGreaterThan(0);
  }, 420_000);
});
