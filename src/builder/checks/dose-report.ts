/**
 * Reading dose-distcheck's YAML report (`-f -e`: failures, with explanations): which
 * packages are broken and, in a few words, why.
 */

export interface BrokenPackage {
  package: string;
  /** The first reason dose gives: a missing dependency or a conflict. */
  why: string;
}

/** The broken packages of a dose-distcheck report (`report:` items with status broken). */
export function brokenPackages(report: string): BrokenPackage[] {
  const items = report.split(/^ -\s*$/m).slice(1);
  const broken: BrokenPackage[] = [];
  for (const item of items) {
    const name = /^ {2}package: (\S+)$/m.exec(item)?.[1];
    if (!name || !/^ {2}status: broken$/m.test(item)) continue;
    broken.push({ package: name, why: whyBroken(item) });
  }
  return broken;
}

function whyBroken(item: string): string {
  const missing = /unsat-dependency: (.+)$/m.exec(item)?.[1];
  if (missing) return `missing ${stripArch(missing)}`;
  const conflict =
    /conflict:\s*\n\s*pkg1:\s*\n\s*package: (\S+)[\s\S]*?unsat-conflict: (.+)$/m.exec(item);
  if (conflict) return `conflict between ${conflict[1]} and ${stripArch(conflict[2]!)}`;
  return 'not installable';
}

/** "foo:amd64 (>= 2)" → "foo (>= 2)": the architecture is the check's own. */
function stripArch(relation: string): string {
  return relation.replace(/^(\S+?):[a-z0-9-]+/, '$1').trim();
}

/**
 * The verdict of the check: new packages that do not install, and packages of the suite
 * that installed before and do not after.
 */
export function installabilityVerdict(input: {
  before: BrokenPackage[];
  after: BrokenPackage[];
  newPackages: string[];
  distribution: string;
}): { result: 'pass' | 'fail'; reason: string } {
  const isNew = new Set(input.newPackages);
  const wasBroken = new Set(input.before.map((b) => b.package));
  const problems: string[] = [];
  for (const b of input.after) {
    if (isNew.has(b.package)) problems.push(`${b.package} cannot be installed: ${b.why}`);
    else if (!wasBroken.has(b.package))
      problems.push(`${b.package} in ${input.distribution} would break: ${b.why}`);
  }
  if (problems.length > 0) return { result: 'fail', reason: problems.join('; ') };
  const count = input.newPackages.length;
  return {
    result: 'pass',
    reason: `${count} package${count === 1 ? '' : 's'} installable; nothing in ${input.distribution} breaks`,
  };
}
