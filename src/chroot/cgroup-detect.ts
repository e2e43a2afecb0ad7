import path from 'node:path';
import type { CgroupFs } from './cgroup-fs.js';

/** The controllers builds are limited with. */
export const CONTROLLERS = ['pids', 'memory', 'cpu'] as const;
export type Controller = (typeof CONTROLLERS)[number];
/** Without these two a build is not bounded at all; cpu alone may be missing. */
const REQUIRED: readonly Controller[] = ['pids', 'memory'];

/**
 * Where the daemon can put build groups. v2: its own group in the unified hierarchy
 * (builds go below it). v1: its own group in each controller's hierarchy (one folder per
 * hierarchy; co-mounted controllers such as cpu,cpuacct share one).
 */
export type CgroupLayout =
  | { mode: 'v2'; own: string; controllers: Controller[] }
  | { mode: 'v1'; own: Partial<Record<Controller, string>> }
  | { mode: 'none'; reason: string };

interface Mount {
  root: string;
  point: string;
  type: string;
  options: string[];
}

/** The cgroup mounts of a /proc/self/mountinfo text. */
export function cgroupMounts(mountinfo: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [type, , superOptions] = right.split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    mounts.push({
      root: unescape(fields[3] ?? '/'),
      point: unescape(fields[4] ?? ''),
      type,
      options: (superOptions ?? '').split(','),
    });
  }
  return mounts;
}

/** The daemon's group per hierarchy from /proc/self/cgroup: controllers ("" for v2) → path. */
export function ownGroups(procCgroup: string): Map<string, string> {
  const groups = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (match) groups.set(match[1]!, match[2]!.replace(/ \(deleted\)$/, ''));
  }
  return groups;
}

/**
 * Finds how builds can be limited on this host: cgroup v2 when the daemon's group there
 * offers the pids and memory controllers, else cgroup v1 when those two controllers
 * have hierarchies, else nothing (with the reason).
 */
export function detectCgroups(fs: CgroupFs, procCgroup: string, mountinfo: string): CgroupLayout {
  const mounts = cgroupMounts(mountinfo);
  const own = ownGroups(procCgroup);
  const unified = mounts.find((m) => m.type === 'cgroup2');
  let v2Problem = 'there is no cgroup v2 hierarchy';
  if (unified && own.has('')) {
    const dir = onDisk(unified, own.get('')!);
    const offered = readControllers(fs, path.join(dir, 'cgroup.controllers'));
    const controllers = CONTROLLERS.filter((c) => offered.includes(c));
    if (REQUIRED.every((c) => controllers.includes(c)))
      return { mode: 'v2', own: dir, controllers };
    v2Problem = `the daemon's cgroup v2 group ${dir} offers ${offered.join(', ') || 'no controllers'}, not pids and memory`;
  }
  const v1: Partial<Record<Controller, string>> = {};
  for (const controller of CONTROLLERS) {
    const mount = mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller));
    const entry = [...own].find(([list]) => list.split(',').includes(controller));
    if (mount && entry) v1[controller] = onDisk(mount, entry[1]);
  }
  if (REQUIRED.every((c) => v1[c] !== undefined)) return { mode: 'v1', own: v1 };
  return {
    mode: 'none',
    reason: `${v2Problem}, and cgroup v1 has no ${REQUIRED.filter((c) => !v1[c]).join(' and ')} hierarchy`,
  };
}

/** A group's folder: the mount point plus the group's path below the mount's root. */
function onDisk(mount: Mount, group: string): string {
  const root = mount.root === '/' ? '' : mount.root;
  const relative =
    root && (group === root || group.startsWith(`${root}/`)) ? group.slice(root.length) : group;
  return path.join(mount.point, relative).replace(/(.)\/$/, '$1');
}

function readControllers(fs: CgroupFs, file: string): string[] {
  try {
    return fs.read(file).trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}
