import { availableParallelism } from 'node:os';
import {
  describeLimits,
  effectiveLimits,
  type BuildLimits,
  type LimitOverrides,
} from '../chroot/build-limits.js';
import { DiskWatch } from '../chroot/disk-watch.js';
import type { GroupOutcome, ResourceGroup } from '../chroot/resource-group.js';
import { formatByteSize } from '../config/units.js';

/** Gives each build its cgroup (ResourceGroups does). */
export interface GroupMaker {
  create(name: string, limits: BuildLimits): GroupOutcome;
}

export interface BoundsDeps {
  groups: GroupMaker;
  /** The builder's own limits (settings build.limits). */
  limits: BuildLimits;
}

/**
 * The resource bounds of one build: its cgroup (processes, memory, CPU) and the watch on
 * its folder's disk use. A bound that is crossed ends the build through `onExceeded`,
 * with the reason its result gives.
 */
export class BuildBounds {
  readonly limits: BuildLimits;
  readonly group: ResourceGroup | null;
  private readonly problem: string | null;
  private readonly watch: DiskWatch;
  /** Why the build was stopped at a bound, once it was. */
  exceeded: string | null = null;

  constructor(
    dir: string,
    name: string,
    overrides: LimitOverrides | undefined,
    deps: BoundsDeps,
    onExceeded: () => void,
  ) {
    this.limits = effectiveLimits(deps.limits, overrides, availableParallelism());
    const outcome = deps.groups.create(name, this.limits);
    this.group = outcome.group;
    this.problem = outcome.problem;
    this.watch = new DiskWatch({
      dir,
      limitBytes: this.limits.diskBytes,
      onExceeded: (used) => {
        this.exceeded = `the build wrote more than ${formatByteSize(this.limits.diskBytes)} into its snapshot and build folder (${approxSize(used)} found; limit build.limits.disk)`;
        onExceeded();
      },
    });
    this.watch.start();
  }

  /** The lines of the log header that tell the limits in force. */
  headerFields(): Record<string, string> {
    const controllers = this.group ? Object.keys(this.group.dirs) : [];
    const enforced = this.group
      ? `cgroup ${this.group.mode} (${controllers.join(', ')}); disk use watched`
      : `disk use watched only; processes, memory and CPU are not limited: ${this.problem}`;
    return { Limits: describeLimits(this.limits), 'Limits Enforced': enforced };
  }

  /** What the build ran into at its cgroup's limits, as "; …" clauses for a failure reason. */
  notes(): string {
    const usage = this.group?.usage();
    if (!usage) return '';
    const notes: string[] = [];
    if (usage.oomKills > 0) {
      notes.push(
        `out of memory: the kernel killed ${usage.oomKills} process${usage.oomKills === 1 ? '' : 'es'} at the build's memory limit of ${formatByteSize(this.limits.memoryBytes)}`,
      );
    }
    if (usage.forksRefused > 0) {
      notes.push(
        `the build reached its limit of ${this.limits.pids} processes (${usage.forksRefused} fork${usage.forksRefused === 1 ? '' : 's'} refused)`,
      );
    }
    return notes.map((note) => `; ${note}`).join('');
  }

  /** Kills every process of the build's group. */
  kill(): void {
    try {
      this.group?.kill();
    } catch {
      // Gone already.
    }
  }

  /** Stops watching and removes the group; returns a line on what the build used. */
  async finish(): Promise<string> {
    this.watch.stop();
    if (!this.group) return '';
    const usage = this.group.usage();
    await this.group.remove().catch(() => {});
    const peak =
      usage.memoryPeakBytes === null ? '' : `, memory peak ${approxSize(usage.memoryPeakBytes)}`;
    return `Resources: ${usage.oomKills} OOM kills, ${usage.forksRefused} forks refused${peak}.\n`;
  }
}

/** "1.5 GiB" */
export function approxSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
