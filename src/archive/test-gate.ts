import type { ResolvedDistribution } from './archive-config.js';
import { suiteTestModes } from './model/test-modes.js';

/** A check of a build's test stage and its verdict: what the gate reads of one. */
export interface TestVerdict {
  check: string;
  result: string;
  reason: string;
}

/** The builds of a version, with the verdicts of their test stage. */
export type TestedBuilds = { architecture: string; tests: TestVerdict[] }[];

/**
 * Why a version may not migrate into `target`: for each check the target suite runs in
 * errfail mode, every build of the version must have run it, and not failed (a skip
 * counts as passed: there was nothing to check). A suite whose checks are disabled or
 * ignored lets every version in. Empty: it may migrate.
 */
export function migrationRefusals(
  target: Pick<ResolvedDistribution, 'distribution' | 'suite' | 'name'>,
  version: { source: string; version: string; builds: TestedBuilds },
): string[] {
  const modes = suiteTestModes(target.distribution.testModes ?? {}, target.suite.name);
  const required = Object.entries(modes).filter(([, mode]) => mode === 'errfail');
  if (required.length === 0) return [];
  if (version.builds.length === 0) {
    return [
      `no build of ${version.source} ${version.version} has test results (${target.name} requires ${required.map(([check]) => check).join(', ')})`,
    ];
  }
  const refusals: string[] = [];
  for (const [check] of required) {
    for (const build of version.builds) {
      const result = build.tests.find((t) => t.check === check);
      if (!result) refusals.push(`${check} did not run for ${build.architecture}`);
      else if (result.result === 'fail')
        refusals.push(`${check} failed for ${build.architecture}: ${result.reason}`);
    }
  }
  return refusals;
}
