import { formatByteSize } from '../config/units.js';

/** What one build may use of the host: processes, memory, CPU time and disk. */
export interface BuildLimits {
  /** Most processes and threads at once (a fork bomb stops here). */
  pids: number;
  /** Most memory, RAM and swap together, of all its processes. */
  memoryBytes: number;
  /** CPU time per second of wall-clock time, in cores (1.5: one and a half cores). */
  cpus: number;
  /** Most bytes it writes into its snapshot and build folder. */
  diskBytes: number;
}

/** Limits a distribution (or a build request) sets instead of the builder's own. */
export type LimitOverrides = Partial<BuildLimits>;

export const LIMIT_BOUNDS = {
  pids: { min: 16, max: 4_194_304 },
  memoryBytes: { min: 64 * 1024 ** 2, max: 2 ** 50 },
  cpus: { min: 0.01, max: 1024 },
  diskBytes: { min: 1024 ** 2, max: 2 ** 50 },
} as const satisfies Record<keyof BuildLimits, { min: number; max: number }>;

/** The builder's limits with a distribution's overrides; CPUs never above the host's cores. */
export function effectiveLimits(
  defaults: BuildLimits,
  overrides: LimitOverrides | undefined,
  hostCpus: number,
): BuildLimits {
  const limits = { ...defaults };
  for (const key of Object.keys(LIMIT_BOUNDS) as (keyof BuildLimits)[]) {
    const value = overrides?.[key];
    if (value !== undefined) limits[key] = value;
  }
  limits.cpus = Math.min(limits.cpus, hostCpus);
  return limits;
}

/**
 * Defaults for a host: memory three quarters of its RAM shared among its parallel builds
 * (at least 1 GiB), every core, unless the settings name their own.
 */
export function hostLimits(
  settings: { pids: number; memoryBytes: number | null; cpus: number | null; diskBytes: number },
  host: { cpus: number; memoryBytes: number; parallelism: number },
): BuildLimits {
  const share = Math.floor((host.memoryBytes * 0.75) / Math.max(1, host.parallelism));
  const memoryBytes = settings.memoryBytes ?? Math.max(1024 ** 3, roundToMiB(share));
  return {
    pids: settings.pids,
    memoryBytes,
    cpus: Math.min(settings.cpus ?? host.cpus, host.cpus),
    diskBytes: settings.diskBytes,
  };
}

function roundToMiB(bytes: number): number {
  return Math.floor(bytes / 1024 ** 2) * 1024 ** 2;
}

/** "4096 processes, 8 GiB memory, 2 CPUs, 20 GiB disk" */
export function describeLimits(limits: BuildLimits): string {
  const cpus = Math.round(limits.cpus * 100) / 100;
  return [
    `${limits.pids} processes`,
    `${formatByteSize(limits.memoryBytes)} memory`,
    `${cpus} CPU${cpus === 1 ? '' : 's'}`,
    `${formatByteSize(limits.diskBytes)} disk`,
  ].join(', ');
}

/** Checks overrides against LIMIT_BOUNDS; returns one message per bad value. */
export function limitProblems(overrides: LimitOverrides): { where: string; message: string }[] {
  const problems: { where: string; message: string }[] = [];
  for (const [key, bounds] of Object.entries(LIMIT_BOUNDS)) {
    const value = overrides[key as keyof BuildLimits];
    if (value === undefined) continue;
    const whole = key !== 'cpus';
    if (!Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
      problems.push({ where: key, message: `must be a ${whole ? 'whole ' : ''}number` });
    } else if (value < bounds.min || value > bounds.max) {
      problems.push({ where: key, message: `must be from ${bounds.min} to ${bounds.max}` });
    }
  }
  return problems;
}
