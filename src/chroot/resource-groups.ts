import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../shared/errors.js';
import type { BuildLimits } from './build-limits.js';
import { nodeCgroupFs, pidsOf, type CgroupFs } from './cgroup-fs.js';
import { detectCgroups, type CgroupLayout, type Controller } from './cgroup-detect.js';
import { ResourceGroup, type GroupOutcome } from './resource-group.js';

export interface ResourceGroupsOptions {
  /**
   * Names this daemon's groups (hashed): daemons sharing a cgroup (tests, several homes)
   * never touch each other's builds. The snapshots folder is a good key.
   */
  key: string;
  fs?: CgroupFs;
  /** How cgroups are laid out here (default: read from /proc/self). */
  detect?: () => CgroupLayout;
  /** The daemon's pid (moved into a leaf group under cgroup v2). */
  pid?: number;
}

/**
 * The cgroups of this daemon's builds: a parent group below the daemon's own, one child
 * per build with its limits. Under cgroup v2 a group with children must hold no
 * processes itself, so the daemon first moves itself into a leaf beside the builds
 * (systemd gives it its group to manage with Delegate=yes). Where no usable cgroups
 * exist, builds still run and are told why they have no limits.
 */
export class ResourceGroups {
  private readonly fs: CgroupFs;
  private readonly tag: string;
  private ready: { mode: 'v1' | 'v2'; parents: Partial<Record<Controller, string>> } | null = null;
  private problem: string | null = null;
  /** Removals of groups a crash left, running in the background. */
  readonly leftovers: Promise<void>[] = [];

  constructor(private readonly options: ResourceGroupsOptions) {
    this.fs = options.fs ?? nodeCgroupFs;
    this.tag = createHash('sha256').update(options.key).digest('hex').slice(0, 10);
  }

  /** How builds are limited here, for the log: "cgroup v2" or why they are not. */
  describe(): string {
    this.prepare();
    return this.ready ? `cgroup ${this.ready.mode}` : `not applied: ${this.problem}`;
  }

  /**
   * Sets up the parent group once (at daemon start, or the first build) and removes the
   * groups of builds a crash left behind, killing what still runs in them.
   */
  prepare(): void {
    if (this.ready || this.problem !== null) return;
    try {
      const layout = (this.options.detect ?? readLayout(this.fs))();
      if (layout.mode === 'none') {
        this.problem = layout.reason;
        return;
      }
      const parents = layout.mode === 'v2' ? this.prepareV2(layout) : this.prepareV1(layout.own);
      this.ready = { mode: layout.mode, parents };
      this.removeLeftovers();
    } catch (error) {
      this.problem = `cannot set up the builds' cgroups: ${describeError(error)}`;
    }
  }

  /** A group for one build with its limits, or why there is none (the build runs anyway). */
  create(name: string, limits: BuildLimits): GroupOutcome {
    this.prepare();
    if (!this.ready) return { group: null, problem: this.problem! };
    try {
      const group = ResourceGroup.create(
        this.fs,
        this.ready.mode,
        this.ready.parents,
        name,
        limits,
      );
      return { group, problem: null };
    } catch (error) {
      const reason = `cannot create the build's cgroup: ${describeError(error)}`;
      void new ResourceGroup(this.fs, this.childDirs(name), this.ready.mode)
        .remove(1000)
        .catch(() => {});
      return { group: null, problem: reason };
    }
  }

  /**
   * Removes the parent group of builds when no build is left in it (at daemon stop).
   * Under cgroup v2 the daemon stays in its leaf: its service's group goes with it.
   */
  async close(): Promise<void> {
    await Promise.all(this.leftovers);
    for (const dir of new Set(Object.values(this.ready?.parents ?? {}))) {
      try {
        this.fs.rmdir(dir);
      } catch {
        // A build still runs (or ended a moment ago): the next start cleans up.
      }
    }
    this.ready = null;
  }

  /** The parent group of builds per controller (for tests and diagnostics). */
  parents(): Partial<Record<Controller, string>> {
    this.prepare();
    return { ...this.ready?.parents };
  }

  private childDirs(name: string): Partial<Record<Controller, string>> {
    const dirs: Partial<Record<Controller, string>> = {};
    for (const [controller, parent] of Object.entries(this.ready?.parents ?? {})) {
      dirs[controller as Controller] = path.join(parent, name);
    }
    return dirs;
  }

  private prepareV2(layout: Extract<CgroupLayout, { mode: 'v2' }>) {
    const { fs } = this;
    const pid = this.options.pid ?? process.pid;
    const enable = layout.controllers.map((c) => `+${c}`).join(' ');
    const control = path.join(layout.own, 'cgroup.subtree_control');
    const enabled = fs.read(control).split(/\s+/);
    if (!layout.controllers.every((c) => enabled.includes(c))) {
      const leaf = path.join(layout.own, `debyard-daemon-${this.tag}`);
      fs.mkdir(leaf);
      fs.write(path.join(leaf, 'cgroup.procs'), String(pid));
      try {
        fs.write(control, enable);
      } catch (error) {
        fs.write(path.join(layout.own, 'cgroup.procs'), String(pid));
        const others = pidsOf(fs.read(path.join(layout.own, 'cgroup.procs'))).filter(
          (p) => p !== pid,
        );
        throw new Error(
          `cgroup v2 puts builds below the daemon's group ${layout.own}, which also holds other processes (${others.slice(0, 5).join(', ') || 'none seen'}): give the daemon a group of its own (systemd: Delegate=yes, as debian/debyard.service does)`,
          { cause: error },
        );
      }
    }
    const builds = path.join(layout.own, `debyard-builds-${this.tag}`);
    fs.mkdir(builds);
    fs.write(path.join(builds, 'cgroup.subtree_control'), enable);
    const parents: Partial<Record<Controller, string>> = {};
    for (const c of layout.controllers) parents[c] = builds;
    return parents;
  }

  private prepareV1(own: Partial<Record<Controller, string>>) {
    const parents: Partial<Record<Controller, string>> = {};
    for (const [controller, dir] of Object.entries(own)) {
      const builds = path.join(dir, `debyard-builds-${this.tag}`);
      this.fs.mkdir(builds);
      parents[controller as Controller] = builds;
    }
    return parents;
  }

  private removeLeftovers(): void {
    const parents = this.ready!.parents;
    const names = new Set(Object.values(parents).flatMap((dir) => this.fs.children(dir)));
    for (const name of names) {
      const leftover = new ResourceGroup(this.fs, this.childDirs(name), this.ready!.mode);
      // Killed at once, removed once its processes are gone (or at the next start).
      this.leftovers.push(leftover.remove().catch(() => {}));
    }
  }
}

function readLayout(fs: CgroupFs): () => CgroupLayout {
  return () =>
    detectCgroups(
      fs,
      readFileSync('/proc/self/cgroup', 'utf8'),
      readFileSync('/proc/self/mountinfo', 'utf8'),
    );
}
