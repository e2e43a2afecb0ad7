import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildLimits } from '../../../src/chroot/build-limits.js';
import type { ResourceGroup } from '../../../src/chroot/resource-group.js';
import { ResourceGroups } from '../../../src/chroot/resource-groups.js';
import { Sandbox } from '../../../src/chroot/sandbox.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { isRunning } from '../../../src/exec/process-tree.js';
import { persistentTempDir, tempDir } from '../../fixtures/index.js';
import { processesUnder, testBaseTree } from '../../fixtures/subsystems.js';

/**
 * Builds' resource groups on this host's cgroups (v1 or v2, whichever it has; CI's and
 * the developers' machines have them): limits set, every process of a sandbox inside,
 * attacks held, nothing left behind.
 */
const runner = new LocalRunner();
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' };
const BUILDER = { uid: 2000, gid: 2000 };
const MiB = 1024 ** 2;
const LIMITS: BuildLimits = { pids: 64, memoryBytes: 256 * MiB, cpus: 0.5, diskBytes: 64 * MiB };
const run = promisify(execFile);

let base: string;
let key: string;
let groups: ResourceGroups;
beforeAll(async () => {
  base = await testBaseTree();
  key = persistentTempDir('debyard-groups-');
  groups = new ResourceGroups({ key });
}, 15 * 60_000);
afterAll(async () => {
  // Every test removed its group: the parent holds none, and goes.
  const parents = Object.values(groups.parents());
  for (const parent of parents) expect(readdirSync(parent).filter(isGroup)).toEqual([]);
  await groups.close();
  for (const parent of parents) expect(existsSync(parent)).toBe(false);
  rmSync(key, { recursive: true, force: true });
});

function isGroup(entry: string): boolean {
  return entry.startsWith('build-');
}

async function open(
  limits: BuildLimits,
): Promise<{ sandbox: Sandbox; group: ResourceGroup; workDir: string }> {
  const { group, problem } = groups.create(`build-${randomBytes(4).toString('hex')}`, limits);
  expect(problem).toBeNull();
  const dir = tempDir();
  const workDir = path.join(dir, 'snapshot');
  mkdirSync(path.join(dir, 'build'));
  const sandbox = await Sandbox.open(
    {
      tree: base,
      mode: 'overlay',
      workDir,
      binds: [{ source: path.join(dir, 'build'), target: '/build' }],
      group: group!,
    },
    runner,
  );
  return { sandbox, group: group!, workDir };
}

/** Host processes in the pid namespace of a sandbox's holder (the holder included). */
function inNamespaceOf(holderPid: number): number[] {
  const ns = readlinkSync(`/proc/${holderPid}/ns/pid`);
  return readdirSync('/proc')
    .filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        return readlinkSync(`/proc/${entry}/ns/pid`) === ns;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function closeAll(sandbox: Sandbox, group: ResourceGroup, workDir: string): Promise<void> {
  sandbox.kill();
  await sandbox.close();
  await group.remove();
  for (const dir of Object.values(group.dirs)) expect(existsSync(dir)).toBe(false);
  expect(processesUnder(workDir)).toEqual([]);
}

describe('resource groups of sandboxes', () => {
  it('sets the limits and puts the holder and every step in the group', async () => {
    const { sandbox, group, workDir } = await open(LIMITS);
    try {
      const limit = (controller: keyof typeof group.dirs, v1: string, v2: string) =>
        readFileSync(
          path.join(group.dirs[controller]!, group.mode === 'v1' ? v1 : v2),
          'utf8',
        ).trim();
      let output = '';
      const step = sandbox.run(
        {
          argv: ['sh', '-c', 'echo $$; exec sleep 30'],
          env: ENV,
          user: BUILDER,
          onOutput: (t) => (output += t),
        },
        runner,
      );
      await expect.poll(() => output, { timeout: 10_000 }).toMatch(/\d+\n/);
      // Read back from the kernel while the step runs: the limits, and who is in the group.
      expect(limit('memory', 'memory.limit_in_bytes', 'memory.max')).toBe(String(256 * MiB));
      expect(limit('pids', 'pids.max', 'pids.max')).toBe('64');
      expect(limit('cpu', 'cpu.cfs_quota_us', 'cpu.max')).toMatch(/^50000( 100000)?$/);
      const members = group.pids();
      expect(members).toContain(sandbox.holderPid);
      // The step's sleep (pid namespace of the sandbox) is in the group too.
      const sleepers = inNamespaceOf(sandbox.holderPid).filter(
        (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\x0030\x00',
      );
      expect(sleepers).toHaveLength(1);
      expect(members).toContain(sleepers[0]);
      sandbox.kill();
      await step;
    } finally {
      await closeAll(sandbox, group, workDir);
    }
  }, 60_000);

  it('holds a fork bomb to the pids limit while the host stays responsive', async () => {
    const { sandbox, group, workDir } = await open(LIMITS);
    // Each shell forks two more down to depth 11: 4095 processes if nothing stops it.
    const bomb = 'b() { if [ "$1" -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & fi; sleep 20; }; b 11';
    const started = Date.now();
    const step = sandbox.run(
      { argv: ['sh', '-c', bomb], env: ENV, user: BUILDER, timeoutMs: 60_000 },
      runner,
    );
    try {
      let most = 0;
      let slowest = 0;
      while (Date.now() - started < 8000) {
        most = Math.max(most, inNamespaceOf(sandbox.holderPid).length);
        const begin = Date.now();
        await run('true');
        slowest = Math.max(slowest, Date.now() - begin);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The namespace's processes are in the group (with the step's host-side helpers).
      expect(most).toBeGreaterThan(32);
      expect(most).toBeLessThanOrEqual(64);
      expect(group.pids().length).toBeLessThanOrEqual(64);
      expect(group.usage().forksRefused).toBeGreaterThan(0);
      expect(slowest).toBeLessThan(2000);
    } finally {
      await closeAll(sandbox, group, workDir);
    }
    await step;
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('kills a step that needs more than its memory limit, and says so', async () => {
    const { sandbox, group, workDir } = await open(LIMITS);
    try {
      const result = await sandbox.run(
        {
          argv: ['perl', '-e', '$x = "x" x (512 * 1024 * 1024); print "allocated\\n"'],
          env: ENV,
          user: BUILDER,
        },
        runner,
      );
      expect(result.stdout).not.toContain('allocated');
      expect(result.exitCode).not.toBe(0);
      expect(group.usage().oomKills).toBeGreaterThan(0);
    } finally {
      await closeAll(sandbox, group, workDir);
    }
  }, 60_000);

  it('removes the groups a crashed daemon left, killing what still ran in them', async () => {
    const crashed = new ResourceGroups({ key });
    const { group } = crashed.create('build-leftover', LIMITS);
    const entered = group!.enter({ command: 'sleep', args: ['600'] });
    const child = execFile(entered.command, entered.args);
    await expect.poll(() => group!.pids().length, { timeout: 5000 }).toBe(1);
    expect(isRunning(child.pid!)).toBe(true);
    // The next start of the daemon (same key: same home).
    const restarted = new ResourceGroups({ key });
    restarted.prepare();
    await Promise.all(restarted.leftovers);
    await expect.poll(() => child.signalCode, { timeout: 5000 }).toBe('SIGKILL');
    for (const dir of Object.values(group!.dirs)) expect(existsSync(dir)).toBe(false);
  }, 30_000);
});
