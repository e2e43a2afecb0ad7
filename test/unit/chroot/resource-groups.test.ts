import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CgroupFs } from '../../../src/chroot/cgroup-fs.js';
import { detectCgroups } from '../../../src/chroot/cgroup-detect.js';
import { ResourceGroups } from '../../../src/chroot/resource-groups.js';

const GiB = 1024 ** 3;
const LIMITS = { pids: 512, memoryBytes: 2 * GiB, cpus: 1.5, diskBytes: 10 * GiB };

/**
 * A cgroup file system in memory: folders, files, and the v2 rule that a group with
 * processes cannot enable controllers for children (EBUSY).
 */
class FakeCgroupFs implements CgroupFs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  readonly killed: number[] = [];

  constructor(entries: Record<string, string> = {}) {
    for (const [file, text] of Object.entries(entries)) this.put(file, text);
  }

  put(file: string, text: string): void {
    this.files.set(file, text);
    for (let dir = path.dirname(file); dir !== '/'; dir = path.dirname(dir)) this.dirs.add(dir);
  }

  read(file: string): string {
    const text = this.files.get(file);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return text;
  }

  write(file: string, text: string): void {
    if (!this.dirs.has(path.dirname(file))) throw new Error(`ENOENT: ${file}`);
    if (file.endsWith('/cgroup.procs')) {
      for (const [other, procs] of this.files) {
        if (other.endsWith('/cgroup.procs')) this.files.set(other, drop(procs, text.trim()));
      }
      this.files.set(file, `${this.files.get(file) ?? ''}${text.trim()}\n`);
      return;
    }
    if (
      file.endsWith('/cgroup.subtree_control') &&
      this.read(path.join(path.dirname(file), 'cgroup.procs')).trim()
    ) {
      throw Object.assign(new Error('EBUSY: device or resource busy'), { code: 'EBUSY' });
    }
    this.files.set(file, text);
  }

  exists(file: string): boolean {
    return this.files.has(file) || this.dirs.has(file);
  }

  mkdir(dir: string): void {
    if (this.dirs.has(dir)) return;
    this.dirs.add(dir);
    // A child has the interface files of its parent (the controllers' files), fresh.
    for (const file of [...this.files.keys()]) {
      if (path.dirname(file) !== path.dirname(dir)) continue;
      const name = path.basename(file);
      if (name.includes('.') && !name.startsWith('cgroup.'))
        this.files.set(path.join(dir, name), 'max');
    }
    this.files.set(path.join(dir, 'cgroup.procs'), '');
    this.files.set(path.join(dir, 'cgroup.subtree_control'), '');
  }

  rmdir(dir: string): void {
    if (this.read(path.join(dir, 'cgroup.procs')).trim()) throw new Error('EBUSY');
    this.dirs.delete(dir);
    for (const file of [...this.files.keys()])
      if (path.dirname(file) === dir) this.files.delete(file);
  }

  children(dir: string): string[] {
    return [...this.dirs].filter((d) => path.dirname(d) === dir).map((d) => path.basename(d));
  }

  kill(pid: number): void {
    this.killed.push(pid);
    for (const [file, procs] of this.files) {
      if (file.endsWith('/cgroup.procs')) this.files.set(file, drop(procs, String(pid)));
    }
  }
}

function drop(procs: string, pid: string): string {
  return procs
    .split('\n')
    .filter((line) => line && line !== pid)
    .map((line) => `${line}\n`)
    .join('');
}

/** This host's kind: cgroup v1 controllers, an empty cgroup2 at /sys/fs/cgroup/unified. */
const HYBRID_MOUNTINFO = [
  '30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw',
  '33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpu,cpuacct',
  '34 30 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:13 - cgroup cgroup rw,memory',
  '35 30 0:31 / /sys/fs/cgroup/pids rw,nosuid shared:14 - cgroup cgroup rw,pids',
].join('\n');
const HYBRID_CGROUP = [
  '9:name=systemd:/system.slice/debyard.service',
  '8:pids:/system.slice/debyard.service',
  '4:memory:/process_api/1c98',
  '2:cpu,cpuacct:/',
  '0::/system.slice/debyard.service',
].join('\n');

const V2_MOUNTINFO =
  '28 23 0:25 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate';
const V2_SERVICE = '/sys/fs/cgroup/system.slice/debyard.service';

function v2Fs(procs: string): FakeCgroupFs {
  return new FakeCgroupFs({
    [`${V2_SERVICE}/cgroup.controllers`]: 'cpuset cpu io memory pids\n',
    [`${V2_SERVICE}/cgroup.subtree_control`]: '\n',
    [`${V2_SERVICE}/cgroup.procs`]: procs,
    [`${V2_SERVICE}/pids.max`]: 'max\n',
    [`${V2_SERVICE}/memory.max`]: 'max\n',
    [`${V2_SERVICE}/cpu.max`]: 'max 100000\n',
    [`${V2_SERVICE}/memory.swap.max`]: 'max\n',
  });
}

describe('detectCgroups', () => {
  it('takes v1 hierarchies when the unified one has no controllers (hybrid hosts)', () => {
    const fs = new FakeCgroupFs({
      '/sys/fs/cgroup/unified/system.slice/debyard.service/cgroup.controllers': '\n',
    });
    expect(detectCgroups(fs, HYBRID_CGROUP, HYBRID_MOUNTINFO)).toEqual({
      mode: 'v1',
      own: {
        pids: '/sys/fs/cgroup/pids/system.slice/debyard.service',
        memory: '/sys/fs/cgroup/memory/process_api/1c98',
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
      },
    });
  });

  it("takes v2 where the daemon's group offers pids and memory", () => {
    const fs = v2Fs('4242\n');
    expect(detectCgroups(fs, '0::/system.slice/debyard.service\n', V2_MOUNTINFO)).toEqual({
      mode: 'v2',
      own: V2_SERVICE,
      controllers: ['pids', 'memory', 'cpu'],
    });
  });

  it('maps a group below a mount that is itself a sub-tree (containers)', () => {
    const mountinfo =
      '40 30 0:31 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n' +
      '41 30 0:30 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory';
    const layout = detectCgroups(
      new FakeCgroupFs(),
      '8:pids:/docker/abc/x\n4:memory:/docker/abc\n',
      mountinfo,
    );
    expect(layout).toEqual({
      mode: 'v1',
      own: { pids: '/sys/fs/cgroup/pids/x', memory: '/sys/fs/cgroup/memory' },
    });
  });

  it('says why when neither version can limit builds', () => {
    const fs = new FakeCgroupFs({ '/sys/fs/cgroup/cgroup.controllers': 'cpu io\n' });
    const layout = detectCgroups(fs, '0::/\n', V2_MOUNTINFO);
    expect(layout).toEqual({
      mode: 'none',
      reason:
        "the daemon's cgroup v2 group /sys/fs/cgroup offers cpu, io, not pids and memory, and cgroup v1 has no pids and memory hierarchy",
    });
  });
});

describe('ResourceGroups', () => {
  it("v2: moves the daemon into a leaf, enables the controllers and sets each build's limits", () => {
    const fs = v2Fs('4242\n');
    const groups = new ResourceGroups({
      key: '/var/lib/debyard/chroots/snapshots',
      fs,
      pid: 4242,
      detect: () => detectCgroups(fs, '0::/system.slice/debyard.service\n', V2_MOUNTINFO),
    });
    expect(groups.describe()).toBe('cgroup v2');
    const leaf = fs.children(V2_SERVICE).find((name) => name.startsWith('debyard-daemon-'))!;
    expect(fs.read(`${V2_SERVICE}/${leaf}/cgroup.procs`)).toBe('4242\n');
    expect(fs.read(`${V2_SERVICE}/cgroup.procs`)).toBe('');
    expect(fs.read(`${V2_SERVICE}/cgroup.subtree_control`)).toBe('+pids +memory +cpu');
    const { group, problem } = groups.create('build-7', LIMITS);
    expect(problem).toBeNull();
    const dir = group!.dirs.pids!;
    expect(path.dirname(path.dirname(dir))).toBe(V2_SERVICE);
    expect(fs.read(`${path.dirname(dir)}/cgroup.subtree_control`)).toBe('+pids +memory +cpu');
    expect(fs.read(`${dir}/pids.max`)).toBe('512');
    expect(fs.read(`${dir}/memory.max`)).toBe(String(2 * GiB));
    expect(fs.read(`${dir}/memory.swap.max`)).toBe('0');
    expect(fs.read(`${dir}/cpu.max`)).toBe('150000 100000');
    expect(group!.procsFiles).toEqual([`${dir}/cgroup.procs`]);
    const entered = group!.enter({ command: 'setpriv', args: ['--', 'unshare'] });
    expect(entered.command).toBe('sh');
    expect(entered.args.slice(2)).toEqual([
      'debyard-join',
      `${dir}/cgroup.procs`,
      '--',
      'setpriv',
      '--',
      'unshare',
    ]);
  });

  it('v2: a daemon sharing its group with other processes stays put, and builds say why they have no limits', () => {
    const fs = v2Fs('4242\n777\n');
    const groups = new ResourceGroups({
      key: 'k',
      fs,
      pid: 4242,
      detect: () => detectCgroups(fs, '0::/system.slice/debyard.service\n', V2_MOUNTINFO),
    });
    const { group, problem } = groups.create('build-1', LIMITS);
    expect(group).toBeNull();
    expect(problem).toMatch(
      /^cannot set up the builds' cgroups: cgroup v2 puts builds below the daemon's group \/sys\/fs\/cgroup\/system.slice\/debyard.service, which also holds other processes \(777\): give the daemon a group of its own \(systemd: Delegate=yes/,
    );
    expect(fs.read(`${V2_SERVICE}/cgroup.procs`)).toBe('777\n4242\n');
  });

  it('v1: one folder per hierarchy, memsw with the memory limit, CFS quota for CPUs', () => {
    const own = { pids: '/cg/pids/d', memory: '/cg/memory/d', cpu: '/cg/cpu,cpuacct/d' };
    const fs = new FakeCgroupFs({
      '/cg/pids/d/pids.max': 'max',
      '/cg/memory/d/memory.limit_in_bytes': '9223372036854771712',
      '/cg/memory/d/memory.memsw.limit_in_bytes': '9223372036854771712',
      '/cg/cpu,cpuacct/d/cpu.cfs_quota_us': '-1',
    });
    const groups = new ResourceGroups({ key: 'k', fs, detect: () => ({ mode: 'v1', own }) });
    const { group } = groups.create('build-2', LIMITS);
    const dirs = group!.dirs;
    expect(fs.read(`${dirs.pids}/pids.max`)).toBe('512');
    expect(fs.read(`${dirs.memory}/memory.limit_in_bytes`)).toBe(String(2 * GiB));
    expect(fs.read(`${dirs.memory}/memory.memsw.limit_in_bytes`)).toBe(String(2 * GiB));
    expect(fs.read(`${dirs.cpu}/cpu.cfs_quota_us`)).toBe('150000');
    expect(fs.read(`${dirs.cpu}/cpu.cfs_period_us`)).toBe('100000');
    expect(group!.procsFiles).toHaveLength(3);
  });

  it('removes leftover groups at start, killing their processes, and only its own', async () => {
    const own = { pids: '/cg/pids/d', memory: '/cg/memory/d' };
    const fs = new FakeCgroupFs({
      '/cg/pids/d/pids.max': 'max',
      '/cg/memory/d/memory.limit_in_bytes': 'max',
    });
    const first = new ResourceGroups({ key: 'home-a', fs, detect: () => ({ mode: 'v1', own }) });
    const other = new ResourceGroups({ key: 'home-b', fs, detect: () => ({ mode: 'v1', own }) });
    const { group } = first.create('build-9', LIMITS);
    const { group: others } = other.create('build-9', LIMITS);
    fs.write(`${group!.dirs.pids}/cgroup.procs`, '31337');
    fs.write(`${others!.dirs.pids}/cgroup.procs`, '4040');
    const restarted = new ResourceGroups({
      key: 'home-a',
      fs,
      detect: () => ({ mode: 'v1', own }),
    });
    restarted.prepare();
    await Promise.all(restarted.leftovers);
    expect(fs.killed).toEqual([31337]);
    expect(fs.exists(group!.dirs.pids!)).toBe(false);
    expect(fs.exists(group!.dirs.memory!)).toBe(false);
    expect(fs.exists(others!.dirs.pids!)).toBe(true);
    await restarted.close();
    expect(fs.exists(path.dirname(group!.dirs.pids!))).toBe(false);
  });
});
