import type { ResolvedDistribution } from '../archive-config.js';
import { formatDistributionName } from '../model/distribution-name.js';

/** A suite's distribution followed by its rollbacks: [suite, rollback0, …, rollbackN-1]. */
export function rollbackChain(dist: ResolvedDistribution): string[] {
  const base = {
    codename: dist.distribution.codename,
    repository: dist.repository.id,
    suite: dist.suite.name,
  };
  return [
    formatDistributionName({ ...base, rollback: null }),
    ...Array.from({ length: dist.suite.rollbacks }, (_, n) =>
      formatDistributionName({ ...base, rollback: n }),
    ),
  ];
}

/**
 * The versions of a chain after a new one comes in: the new one first, then what was
 * there before in order (gaps closed), cut to the chain's length. What falls off the end
 * is returned as dropped.
 */
export function shiftChain<T>(
  current: readonly (T | undefined)[],
  incoming: T,
): { next: (T | undefined)[]; dropped: T[] } {
  const kept = current.filter((v): v is T => v !== undefined);
  const all = [incoming, ...kept];
  const next = Array.from({ length: current.length }, (_, i) => all[i]);
  return { next, dropped: all.slice(current.length) };
}

/**
 * The chain after restoring `restored` (a version held in one of the rollbacks) into the
 * suite: it comes first, the suite's current version becomes rollback0, the rest follow
 * in order without the restored one (gaps closed).
 */
export function restoreChain<T>(
  current: readonly (T | undefined)[],
  restored: T,
): { next: (T | undefined)[]; dropped: T[] } {
  const kept = current.filter((v): v is T => v !== undefined && v !== restored);
  const all = [restored, ...kept];
  const next = Array.from({ length: current.length }, (_, i) => all[i]);
  return { next, dropped: all.slice(current.length) };
}

/**
 * The chain after the suite's version is removed into the rollbacks: the suite is empty,
 * its version becomes rollback0, the rest follow (gaps closed), the oldest may drop off.
 */
export function retireChain<T>(current: readonly (T | undefined)[]): {
  next: (T | undefined)[];
  dropped: T[];
} {
  const kept = current.filter((v): v is T => v !== undefined);
  const all = [undefined, ...kept];
  const next = Array.from({ length: current.length }, (_, i) => all[i]);
  return { next, dropped: kept.slice(current.length - 1) };
}
