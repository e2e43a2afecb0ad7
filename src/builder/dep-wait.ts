import { StageFailure } from './build-session.js';

/**
 * The build dependencies cannot be satisfied from the build's apt sources (yet): the build
 * waits for them (DEPWAIT) instead of failing. `missing` are apt's unmet relations.
 */
export class DepWait extends StageFailure {
  constructor(readonly missing: readonly string[]) {
    super(`missing build dependencies: ${missing.join(', ')}`);
  }
}

/**
 * The relations apt could not satisfy, from its "The following packages have unmet
 * dependencies:" report (C locale), e.g. `builddeps:/build/x.dsc : Depends: libfoo (>= 2)
 * but it is not installable` → `libfoo (>= 2)`. A relation of a package other than the
 * build's own pseudo package is named with that package (`libbar, needed by libfoo`).
 * Empty when apt failed for another reason (a download, a mirror).
 */
export function unmetRelations(output: string): string[] {
  const at = output.indexOf('The following packages have unmet dependencies:');
  if (at < 0) return [];
  const relations: string[] = [];
  let owner = '';
  for (const line of output.slice(at).split('\n').slice(1)) {
    const entry =
      /^\s*(?:(\S+)\s+:\s+)?(?:Pre-?)?Depends:\s+(.+?)(?:\s+but\s.*|\s+which\s.*|\s*)$/.exec(line);
    if (!entry) {
      if (/^\s+\S/.test(line)) continue;
      break;
    }
    if (entry[1]) owner = entry[1];
    const relation = entry[2]!.trim();
    const mine = owner.startsWith('builddeps:');
    relations.push(mine || owner === '' ? relation : `${relation}, needed by ${owner}`);
  }
  return [...new Set(relations)];
}
