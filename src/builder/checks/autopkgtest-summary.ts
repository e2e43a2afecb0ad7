/** Reading autopkgtest's results: its exit status and its summary file. */

export interface TestLine {
  name: string;
  /** PASS, FAIL, SKIP, FLAKY, … */
  outcome: string;
  detail: string;
}

/** The lines of `--summary-file`: "<test> <OUTCOME> [detail]". */
export function summaryLines(text: string): TestLine[] {
  return text
    .split('\n')
    .map((line) => /^(\S+)\s+([A-Z]+)\s*(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, outcome: m[2]!, detail: m[3]! }));
}

/**
 * The verdict from autopkgtest's exit status (see autopkgtest(1)): 0 all passed, 2 some
 * skipped (or a flaky test failed), 4 and 6 some failed, 8 no test ran, 12 and up: the
 * package, the testbed or autopkgtest itself failed.
 */
export function autopkgtestVerdict(
  exitCode: number | null,
  summary: string,
): { result: 'pass' | 'fail' | 'skip'; reason: string } {
  const lines = summaryLines(summary);
  const named = (outcome: string) =>
    lines
      .filter((l) => l.outcome === outcome)
      .map((l) => (l.detail ? `${l.name} (${l.detail})` : l.name));
  const counted = () =>
    ['PASS', 'SKIP', 'FLAKY', 'FAIL']
      .map((o) => [o, lines.filter((l) => l.outcome === o).length] as const)
      .filter(([, n]) => n > 0)
      .map(([o, n]) => `${n} ${o.toLowerCase()}`)
      .join(', ');
  switch (exitCode) {
    case 0:
      return { result: 'pass', reason: `tests passed: ${counted()}` };
    case 2:
      return {
        result: 'pass',
        reason: `tests passed: ${counted()}; skipped: ${[...named('SKIP'), ...named('FLAKY')].join(', ')}`,
      };
    case 4:
    case 6:
      return {
        result: 'fail',
        reason: `tests failed: ${named('FAIL').join(', ') || 'see the log'}`,
      };
    case 8:
      return { result: 'skip', reason: `no test could run: ${named('SKIP').join(', ') || 'none'}` };
    case 12:
      return { result: 'fail', reason: 'autopkgtest found the package erroneous (exit status 12)' };
    case 16:
      return { result: 'fail', reason: 'the testbed failed (exit status 16)' };
    default:
      return { result: 'fail', reason: `autopkgtest failed (exit status ${exitCode ?? 'none'})` };
  }
}
