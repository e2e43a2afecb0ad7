import path from 'node:path';
import { describeError } from '../../shared/errors.js';
import {
  NO_TESTS,
  TEST_CHECKS,
  type TestCheck,
  type TestModes,
  type TestResult,
} from '../build-request.js';
import { StageFailure } from '../build-session.js';
import { section } from '../log-format.js';
import { checkAutopkgtest } from './autopkgtest.js';
import { CheckLog, type CheckContext, type CheckVerdict } from './check-session.js';
import { checkInstallTest } from './install-test.js';
import { checkInstallability } from './installability.js';

type CheckFn = (context: CheckContext, log: CheckLog, workDir: string) => Promise<CheckVerdict>;

const CHECKS: Record<TestCheck, { title: string; run: CheckFn }> = {
  installability: { title: 'Installability (dose-distcheck)', run: checkInstallability },
  autopkgtest: { title: 'autopkgtest', run: checkAutopkgtest },
  installtest: { title: 'Install test: install, purge, reinstall', run: checkInstallTest },
};

/** The modes of a request: its own, the rest disabled. */
export function testModes(given: Partial<TestModes> | undefined): TestModes {
  return { ...NO_TESTS, ...given };
}

/** Whether any check of these modes runs. */
export const anyTests = (modes: TestModes): boolean =>
  TEST_CHECKS.some((check) => modes[check] !== 'disabled');

/**
 * The test stage: each check that is not disabled, in order, each in a fresh snapshot of
 * the base (under `snapshotDir/<check>`), its output in the build log and in
 * `<check>.log` beside it. A check that cannot run fails with the reason; only the
 * build's end (its signal) stops the stage.
 */
export async function runTestStage(
  modes: TestModes,
  context: CheckContext,
  snapshotDir: string,
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const logDir = path.dirname(context.log.file);
  for (const check of TEST_CHECKS) {
    const mode = modes[check];
    if (mode === 'disabled') continue;
    context.log.write(section(`Test: ${CHECKS[check].title} (${mode})`));
    const log = new CheckLog(context.log, path.join(logDir, `${check}.log`));
    let verdict: CheckVerdict;
    try {
      verdict = await CHECKS[check].run(context, log, path.join(snapshotDir, check));
    } catch (error) {
      if (context.signal.aborted) throw error;
      const reason = error instanceof StageFailure ? error.message : describeError(error);
      verdict = { result: 'fail', reason: `the check could not run: ${reason}` };
    }
    log.write(`\n${check}: ${verdict.result.toUpperCase()}: ${verdict.reason}\n`);
    log.save();
    results.push({ check, mode, ...verdict, log: path.basename(log.file) });
  }
  return results;
}

/** The reason a build fails for its tests: each errfail check that failed. */
export function testFailure(results: readonly TestResult[]): string | null {
  const failed = results.filter((r) => r.mode === 'errfail' && r.result === 'fail');
  if (failed.length === 0) return null;
  return failed.map((r) => `${r.check} failed: ${r.reason}`).join('; ');
}
