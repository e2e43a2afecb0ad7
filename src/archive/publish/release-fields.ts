import { formatReleaseDate, type ReleaseOptions } from '../../debian/index.js';
import type { ResolvedDistribution } from '../archive-config.js';

export const releaseDate = formatReleaseDate;

/**
 * The Date of the next Release of a distribution: now, but always at least one second
 * after the previous one (apt refuses a Release older than the one it has).
 */
export function nextReleaseDate(now: Date, previous: string | null): Date {
  const seconds = Math.floor(now.getTime() / 1000) * 1000;
  const last = previous ? Date.parse(previous) : Number.NaN;
  return new Date(Number.isNaN(last) || seconds > last ? seconds : last + 1000);
}

/** What a distribution's Release file says besides its files. */
export function releaseOptions(input: {
  identity: string;
  dist: ResolvedDistribution;
  date: Date;
  validUntil: Date | null;
}): Omit<ReleaseOptions, 'files'> {
  const { dist } = input;
  const rollback = dist.rollback === null ? '' : ` rollback ${dist.rollback}`;
  return {
    origin: input.identity,
    label: `${input.identity}-${dist.repository.id}`,
    suite: dist.name,
    codename: dist.name,
    date: input.date,
    ...(input.validUntil ? { validUntil: input.validUntil } : {}),
    notAutomatic: dist.suite.notAutomatic,
    butAutomaticUpgrades: dist.suite.butAutomaticUpgrades,
    acquireByHash: true,
    architectures: dist.distribution.architectures,
    components: dist.distribution.components,
    description: `${dist.repository.description || dist.repository.id}: ${dist.distribution.codename} ${dist.suite.name}${rollback}`,
  };
}
