import type { ResolvedDistribution } from '../archive-config.js';
import type { ControlFields } from '../ports.js';

/** RFC 2822 in UTC, as Debian writes it: `Sat, 21 Nov 2026 08:08:24 UTC`. */
export function releaseDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, 'UTC');
}

/**
 * The Date of the next Release of a distribution: now, but always at least one second
 * after the previous one (apt refuses a Release older than the one it has).
 */
export function nextReleaseDate(now: Date, previous: string | null): Date {
  const seconds = Math.floor(now.getTime() / 1000) * 1000;
  const last = previous ? Date.parse(previous) : Number.NaN;
  return new Date(Number.isNaN(last) || seconds > last ? seconds : last + 1000);
}

/** The fields of a distribution's Release file, in apt-ftparchive's order. */
export function releaseFields(input: {
  identity: string;
  dist: ResolvedDistribution;
  date: Date;
  validUntil: Date | null;
}): ControlFields {
  const { dist } = input;
  const fields: [string, string][] = [
    ['Origin', input.identity],
    ['Label', `${input.identity}-${dist.repository.id}`],
    ['Suite', dist.name],
    ['Codename', dist.name],
    ['Date', releaseDate(input.date)],
  ];
  if (input.validUntil) fields.push(['Valid-Until', releaseDate(input.validUntil)]);
  if (dist.suite.notAutomatic) fields.push(['NotAutomatic', 'yes']);
  if (dist.suite.butAutomaticUpgrades) fields.push(['ButAutomaticUpgrades', 'yes']);
  fields.push(
    ['Acquire-By-Hash', 'yes'],
    ['Architectures', dist.distribution.architectures.join(' ')],
    ['Components', dist.distribution.components.join(' ')],
    [
      'Description',
      `${dist.repository.description || dist.repository.id}: ${dist.distribution.codename} ${dist.suite.name}${dist.rollback === null ? '' : ` rollback ${dist.rollback}`}`,
    ],
  );
  return fields;
}
