import {
  NO_TESTS,
  TEST_CHECKS,
  TEST_MODES,
  type TestCheck,
  type TestMode,
  type TestModes,
} from '../../builder/build-request.js';
import type { Problem } from '../../shared/errors.js';

/**
 * A distribution's modes of the test stage's checks, per suite: check → suite name (or
 * `*` for every suite) → mode. What is not given is disabled.
 */
export type DistributionTestModes = Partial<Record<TestCheck, Record<string, TestMode>>>;

/** The modes a suite of the distribution runs its builds' checks in. */
export function suiteTestModes(modes: DistributionTestModes, suite: string): TestModes {
  const result = { ...NO_TESTS };
  for (const check of TEST_CHECKS) {
    const bySuite = modes[check];
    result[check] = bySuite?.[suite] ?? bySuite?.['*'] ?? 'disabled';
  }
  return result;
}

/**
 * Reads one check's modes as written to the API: `errfail` (every suite) or
 * `unstable=errfail,testing=ignore` (`*=` for every other suite); `default` drops them.
 */
export function parseSuiteModes(
  text: string,
): { modes: Record<string, TestMode> | null } | { error: string } {
  if (text.trim() === 'default') return { modes: null };
  const modes: Record<string, TestMode> = {};
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const [suite, mode] = part.includes('=') ? part.split('=', 2) : ['*', part];
    if (!(TEST_MODES as readonly string[]).includes(mode!))
      return { error: `"${mode}" is not one of ${TEST_MODES.join(', ')}` };
    if (suite !== '*' && !/^[a-z]+$/.test(suite!))
      return { error: `"${suite}" is not a suite name (lower-case letters) or *` };
    modes[suite!] = mode as TestMode;
  }
  return { modes };
}

/** The modes as the API writes them: "unstable=errfail,*=ignore". */
export function suiteModesText(modes: Record<string, TestMode> | undefined): string {
  return Object.entries(modes ?? {})
    .map(([suite, mode]) => `${suite}=${mode}`)
    .join(',');
}

/** Problems with a distribution's modes: unknown checks, modes or suites of its layout. */
export function testModeProblems(
  modes: DistributionTestModes,
  suites: readonly string[],
): Problem[] {
  const problems: Problem[] = [];
  for (const [check, bySuite] of Object.entries(modes)) {
    if (!(TEST_CHECKS as readonly string[]).includes(check)) {
      problems.push({
        where: `test modes ${check}`,
        message: `not a check (${TEST_CHECKS.join(', ')})`,
      });
      continue;
    }
    for (const [suite, mode] of Object.entries(bySuite ?? {})) {
      if (suite !== '*' && !suites.includes(suite))
        problems.push({
          where: `test modes ${check}`,
          message: `the layout has no suite "${suite}" (it has ${suites.join(', ')})`,
        });
      if (!(TEST_MODES as readonly string[]).includes(mode))
        problems.push({
          where: `test modes ${check}`,
          message: `"${mode}" is not one of ${TEST_MODES.join(', ')}`,
        });
    }
  }
  return problems;
}
