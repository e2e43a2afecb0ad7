import { InvalidInputError } from './errors.js';

/** A date (ISO 8601) or a time from now (`90d`, `12w`, `6m`, `2y`); in the future. */
export function parseWhen(text: string, now: Date, field: string): Date {
  const relative = /^(\d{1,4})([dwmy])$/.exec(text.trim());
  let when: Date;
  if (relative) {
    const n = Number(relative[1]);
    when = new Date(now.getTime());
    if (relative[2] === 'd') when.setUTCDate(when.getUTCDate() + n);
    if (relative[2] === 'w') when.setUTCDate(when.getUTCDate() + 7 * n);
    if (relative[2] === 'm') when.setUTCMonth(when.getUTCMonth() + n);
    if (relative[2] === 'y') when.setUTCFullYear(when.getUTCFullYear() + n);
  } else {
    const parsed = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())
      ? Date.parse(text.trim())
      : NaN;
    if (Number.isNaN(parsed)) {
      throw new InvalidInputError(
        `${field}: "${text}" is neither a date (2027-06-30) nor a time from now (90d, 12w, 6m, 2y)`,
      );
    }
    when = new Date(parsed);
  }
  if (when.getTime() <= now.getTime()) {
    throw new InvalidInputError(`${field}: ${when.toISOString()} is not in the future`);
  }
  return when;
}
