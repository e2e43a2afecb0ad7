import { InvalidInputError, type Problem } from '../shared/errors.js';
import type { Stanza } from './deb822.js';
import { checkVersion } from './version.js';
import { isValidPackageName } from './names.js';

/** Where a field is, as "file:line" when the line is known. */
export function fieldWhere(stanza: Stanza, field: string, source: string): string {
  const line = stanza.lineOf(field);
  return line === undefined ? source : `${source}:${line}`;
}

/** Adds a problem for each missing or empty required field. */
export function requireFields(
  stanza: Stanza,
  fields: readonly string[],
  source: string,
  problems: Problem[],
): void {
  for (const field of fields) {
    const value = stanza.get(field);
    if (value === undefined) problems.push({ where: source, message: `missing required field ${field}` });
    else if (value.trim() === '') {
      problems.push({ where: fieldWhere(stanza, field, source), message: `field ${field} is empty` });
    }
  }
}

/** Checks a Version field; returns its value when valid. */
export function checkVersionField(
  stanza: Stanza,
  source: string,
  problems: Problem[],
  field = 'Version',
): string | undefined {
  const value = stanza.get(field)?.trim();
  if (!value) return undefined;
  const { error } = checkVersion(value);
  if (error) {
    problems.push({ where: fieldWhere(stanza, field, source), message: `invalid ${field} "${value}": ${error}` });
    return undefined;
  }
  return value;
}

/** Checks a package name field; returns its value when valid. */
export function checkNameField(
  stanza: Stanza,
  field: string,
  value: string | undefined,
  source: string,
  problems: Problem[],
): string | undefined {
  if (!value) return undefined;
  if (!isValidPackageName(value)) {
    problems.push({
      where: fieldWhere(stanza, field, source),
      message: `invalid package name "${value}" in ${field}: use lowercase letters, digits and "+-.", at least two characters, starting with a letter or digit`,
    });
    return undefined;
  }
  return value;
}

/** Throws InvalidInputError carrying all problems, when there are any. */
export function throwIfProblems(problems: Problem[], message: string): void {
  if (problems.length > 0) throw new InvalidInputError(message, { problems });
}
