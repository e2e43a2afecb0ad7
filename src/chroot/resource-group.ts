import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { BuildLimits } from './build-limits.js';
import { keyedValue, pidsOf, type CgroupFs } from './cgroup-fs.js';
import type { CgroupLayout, Controller } from './cgroup-detect.js';

/** Something every process of a sandbox joins before it starts (see Sandbox). */
export interface ProcessGroup {
  /** The command wrapped so that its process joins the group, then execs the command. */
  enter(command: { command: string; args: string[] }): { command: string; args: string[] };
}

/** What a build's processes ran into. */
export interface GroupUsage {
  /** Processes the kernel's OOM killer ended at the memory limit. */
  oomKills: number;
  /** Forks refused at the pids limit. */
  forksRefused: number;
  /** The most memory the group used at once, when the kernel tells. */
  memoryPeakBytes: number | null;
}

/**
 * `sh -c JOIN join FILE… -- COMMAND…`: writes the shell's own pid into each cgroup.procs
 * file (one per v1 hierarchy, one in v2), then becomes COMMAND, whose children inherit
 * the group.
 */
const JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

const CPU_PERIOD_US = 100_000;

/** One build's cgroup (a folder per v1 hierarchy, one in v2) with its limits set. */
export class ResourceGroup implements ProcessGroup {
  constructor(
    private readonly fs: CgroupFs,
    /** Its folder per controller (v1: co-mounted controllers share one). */
    readonly dirs: Partial<Record<Controller, string>>,
    readonly mode: 'v1' | 'v2',
  ) {}

  static create(
    fs: CgroupFs,
    mode: 'v1' | 'v2',
    parents: Partial<Record<Controller, string>>,
    name: string,
    limits: BuildLimits,
  ): ResourceGroup {
    const dirs: Partial<Record<Controller, string>> = {};
    for (const [controller, parent] of Object.entries(parents)) {
      dirs[controller as Controller] = path.join(parent, name);
    }
    const group = new ResourceGroup(fs, dirs, mode);
    for (const dir of group.folders()) fs.mkdir(dir);
    group.setLimits(limits);
    return group;
  }

  /** Every cgroup.procs file a process of the build must be in. */
  get procsFiles(): string[] {
    return this.folders().map((dir) => path.join(dir, 'cgroup.procs'));
  }

  enter(command: { command: string; args: string[] }): { command: string; args: string[] } {
    return {
      command: 'sh',
      args: [
        '-c',
        JOIN,
        'debyard-join',
        ...this.procsFiles,
        '--',
        command.command,
        ...command.args,
      ],
    };
  }

  /** The pids in the group now. */
  pids(): number[] {
    return pidsOf(this.readOr(this.dirs.pids!, 'cgroup.procs', ''));
  }

  usage(): GroupUsage {
    const memory = this.dirs.memory!;
    const v2 = this.mode === 'v2';
    const events = this.readOr(memory, v2 ? 'memory.events' : 'memory.oom_control', '');
    const peak = this.readOr(memory, v2 ? 'memory.peak' : 'memory.max_usage_in_bytes', '');
    return {
      oomKills: keyedValue(events, 'oom_kill') ?? 0,
      forksRefused: keyedValue(this.readOr(this.dirs.pids!, 'pids.events', ''), 'max') ?? 0,
      memoryPeakBytes: /^\d+\s*$/.test(peak) ? Number(peak) : null,
    };
  }

  /** Kills every process in the group (once; see remove for until none is left). */
  kill(): void {
    if (this.mode === 'v2' && this.fs.exists(path.join(this.dirs.pids!, 'cgroup.kill'))) {
      this.fs.write(path.join(this.dirs.pids!, 'cgroup.kill'), '1');
      return;
    }
    for (const pid of this.pids()) this.fs.kill(pid);
  }

  /** Kills what is left in the group, waits until it is empty and removes it. */
  async remove(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        this.kill();
      } catch {
        // The group is gone already, or the kernel refused; rmdir tells below.
      }
      try {
        for (const dir of this.folders()) {
          if (this.fs.exists(dir)) this.fs.rmdir(dir);
        }
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await sleep(50);
    }
  }

  private setLimits(limits: BuildLimits): void {
    const { pids, memory, cpu } = this.dirs;
    const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US));
    this.fs.write(path.join(pids!, 'pids.max'), String(limits.pids));
    if (this.mode === 'v2') {
      this.fs.write(path.join(memory!, 'memory.max'), String(limits.memoryBytes));
      // The limit is RAM and swap together, as v1's memsw: no swap on top.
      this.writeIfThere(memory!, 'memory.swap.max', '0');
      if (cpu) this.fs.write(path.join(cpu, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
    } else {
      this.fs.write(path.join(memory!, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      this.writeIfThere(memory!, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes));
      if (cpu) {
        this.fs.write(path.join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
        this.fs.write(path.join(cpu, 'cpu.cfs_quota_us'), String(quota));
      }
    }
  }

  private writeIfThere(dir: string, file: string, text: string): void {
    if (this.fs.exists(path.join(dir, file))) this.fs.write(path.join(dir, file), text);
  }

  private readOr(dir: string, file: string, fallback: string): string {
    try {
      return this.fs.read(path.join(dir, file));
    } catch {
      return fallback;
    }
  }

  /** Its distinct folders (co-mounted v1 controllers share one). */
  private folders(): string[] {
    return [...new Set(Object.values(this.dirs))];
  }
}

/** What a build gets: its group, or why it has none. */
export type GroupOutcome =
  { group: ResourceGroup; problem: null } | { group: null; problem: string };

export type { CgroupLayout };
