import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { defaultCodeversion } from '../../src/archive/model/codeversion.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  buildSourcePackage,
  persistentTempDir,
  RawFtp,
  type SourcePackage,
  spawnDaemon,
  type SpawnedDaemon,
  tempDir,
  waitForExit,
} from '../fixtures/index.js';
import { curlUpload, filesOf } from '../fixtures/subsystems.js';

const run = promisify(execFile);
const host = detectHostSystem();
const suffix = `~test${defaultCodeversion(host.codename) ?? 'SID'}+1`;

/** Uploads under load take seconds; only the flood test wants strays gone quickly. */
async function startDaemon(home: string, strayTimeout = '60s'): Promise<SpawnedDaemon> {
  const daemon = await spawnDaemon(['--home', home, '--identity', 'testyard'], {
    DEBYARD_FTP_PASSIVE_PORTS: '0',
    DEBYARD_INCOMING_STRAY_TIMEOUT: strayTimeout,
    // 50 clients come from one address here (real ones have their own): past the
    // per-address limits of the defaults, which stop one address from taking them all.
    DEBYARD_FTP_MAX_SESSIONS_PER_ADDRESS: '64',
    DEBYARD_FTP_MAX_PASSIVE_PER_ADDRESS: '64',
  });
  onTestFinished(async () => {
    daemon.child.kill('SIGTERM');
    await waitForExit(daemon.child, 10_000);
  });
  return daemon;
}

/** Accepted uploads go on to the scheduler, which waits here for a chroot (none is made). */
const PAST_ACCEPTANCE = ['ACCEPTED', 'PACKAGING'];

interface Row {
  id: number;
  state: string;
  changes_file: string;
  reasons: string;
  spool_path: string;
}

function rows(home: string): Row[] {
  const db = new BetterSqlite3(path.join(home, 'debyard.db'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    return db
      .prepare('SELECT id, state, changes_file, reasons, spool_path FROM uploads ORDER BY id')
      .all() as Row[];
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Builds packages a few at a time (dpkg-source is a process each). */
async function buildMany(
  dir: string,
  count: number,
  invalid: (i: number) => boolean,
): Promise<SourcePackage[]> {
  const built: SourcePackage[] = [];
  for (let start = 0; start < count; start += 8) {
    const batch = Array.from({ length: Math.min(8, count - start) }, (_, k) => start + k);
    built.push(
      ...(await Promise.all(
        batch.map((i) =>
          buildSourcePackage(path.join(dir, `p${i}`), {
            source: `load${i}`,
            format: '3.0 (native)',
            upstream: invalid(i) ? '1.0' : `1.0${suffix}`,
            distribution: `${host.codename}-test-unstable`,
          }),
        ),
      )),
    );
  }
  return built;
}

function vm(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** 50 packages, every tenth against the version policy; each test uploads to its own daemon. */
let packages: SourcePackage[];
let packagesDir: string;
beforeAll(async () => {
  packagesDir = persistentTempDir();
  packages = await buildMany(packagesDir, 50, (i) => i % 10 === 0);
});
afterAll(() => rmSync(packagesDir, { recursive: true, force: true }));

describe('the incoming under load', () => {
  it(
    '50 clients at once (dput and curl): each upload ends ACCEPTED or REJECTED, once',
    { timeout: 120_000 },
    async () => {
      const root = tempDir();
      const home = path.join(root, 'home');
      const daemon = await startDaemon(home);
      const dputCf = path.join(root, 'dput.cf');
      writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
      const env = { ...process.env, HOME: root, USER: 'tester' };
      await Promise.all(
        packages.map((pkg, i) =>
          i % 2 === 0
            ? run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
                cwd: pkg.dir,
                env,
              })
            : curlUpload(daemon.ftpPort, filesOf(pkg)),
        ),
      );
      await until(() => rows(home).length >= 50, 'all 50 uploads to be processed');
      await new Promise((r) => setTimeout(r, 500));
      const all = rows(home);
      expect(all).toHaveLength(50);
      expect(new Set(all.map((r) => r.changes_file)).size).toBe(50);
      for (const [i, pkg] of packages.entries()) {
        const row = all.find((r) => r.changes_file === pkg.changes)!;
        if (i % 10 === 0) {
          expect(row.state).toBe('REJECTED');
          expect(JSON.parse(row.reasons)).toEqual([
            `${pkg.changes}: 1.0 does not end in ${suffix.slice(0, -1)}<n> as uploads to unstable must (e.g. 1.0-1${suffix})`,
          ]);
        } else {
          expect(PAST_ACCEPTANCE).toContain(row.state);
        }
      }
      expect(readdirSync(path.join(home, 'spool'))).toHaveLength(45);
      expect(readdirSync(path.join(home, 'incoming'))).toEqual([]);
      // After all those sessions the daemon still stops promptly.
      daemon.child.kill('SIGTERM');
      const exit = await waitForExit(daemon.child, 10_000);
      expect(exit.code).toBe(0);
      expect(exit.ms).toBeLessThan(5000);
    },
  );

  it(
    'kill -9 in the middle of a batch: after restart each complete upload is processed exactly once',
    { timeout: 120_000 },
    async () => {
      const root = tempDir();
      const home = path.join(root, 'home');
      let daemon = await startDaemon(home);
      const batch = packages.filter((_, i) => i % 10 !== 0).slice(0, 24);
      const port = daemon.ftpPort;
      const uploads = batch.map((pkg, i) =>
        new Promise((r) => setTimeout(r, i * 40)).then(() =>
          curlUpload(port, filesOf(pkg)).then(
            () => true,
            () => false,
          ),
        ),
      );
      await until(() => rows(home).length >= 4, 'a few uploads to be processed');
      daemon.child.kill('SIGKILL');
      await waitForExit(daemon.child, 10_000);
      const completed = await Promise.all(uploads);
      const before = rows(home).length;
      expect(before).toBeLessThan(24);

      daemon = await startDaemon(home);
      const dputCf = path.join(root, 'dput.cf');
      writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
      const env = { ...process.env, HOME: root, USER: 'tester' };
      // Clients cut off by the kill upload again, as their users would (dput leaves what is there).
      await until(
        () => rows(home).length >= completed.filter(Boolean).length,
        'the complete uploads',
      );
      for (const [i, pkg] of batch.entries()) {
        if (completed[i]) continue;
        if (rows(home).some((r) => r.changes_file === pkg.changes)) continue;
        await run('dput', ['-U', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
          cwd: pkg.dir,
          env,
        });
      }
      await until(() => rows(home).length >= 24, 'every upload');
      await new Promise((r) => setTimeout(r, 500));
      const all = rows(home);
      expect(all.map((r) => r.changes_file).sort()).toEqual(batch.map((p) => p.changes).sort());
      expect(all.filter((r) => !PAST_ACCEPTANCE.includes(r.state))).toEqual([]);
      expect(readdirSync(path.join(home, 'spool')).sort()).toEqual(
        all.map((r) => r.spool_path.replace(/^spool\//, '')).sort(),
      );
    },
  );

  it(
    'a flood of 10,000 tiny files: bounded memory, a responsive daemon, the files removed',
    { timeout: 180_000 },
    async () => {
      const root = tempDir();
      const home = path.join(root, 'home');
      const daemon = await startDaemon(home, '2s');
      const pid = daemon.child.pid!;
      const start = vm(pid);
      let slowest = 0;
      let probing = true;
      const probe = (async () => {
        while (probing) {
          const t = performance.now();
          const response = await fetch(`${daemon.url}/api/v1/status`);
          expect(response.status).toBe(200);
          slowest = Math.max(slowest, performance.now() - t);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const sessions = Array.from({ length: 8 }, async (_, s) => {
        const ftp = await RawFtp.login(daemon.ftpPort);
        await ftp.send('CWD /incoming');
        for (let i = 0; i < 1250; i++) {
          const [, done] = await ftp.put(`flood-${s}-${i}`, 'x');
          expect(done?.code).toBe(226);
        }
        await ftp.quit();
      });
      await Promise.all(sessions);
      const afterFlood = vm(pid);
      await until(() => readdirSync(path.join(home, 'incoming')).length === 0, 'the strays to go');
      probing = false;
      await probe;
      const peak = vm(pid).peak;
      // Figures for the report; the bounds are generous on purpose (no timing asserts).
      console.log(
        `flood: RSS ${mb(start.rss)} → ${mb(afterFlood.rss)} MB, peak ${mb(peak)} MB; slowest status call ${slowest.toFixed(0)} ms`,
      );
      expect(peak - start.rss).toBeLessThan(200 * 1024 * 1024);
      expect(slowest).toBeLessThan(5000);
      const db = new BetterSqlite3(path.join(home, 'debyard.db'), { readonly: true });
      const removed = db
        .prepare("SELECT details FROM events WHERE type = 'INCOMING'")
        .all()
        .map((r) => JSON.parse((r as { details: string }).details).count as number)
        .reduce((a, b) => a + b, 0);
      db.close();
      expect(removed).toBe(10_000);
      expect(rows(home)).toEqual([]);
    },
  );
});

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
