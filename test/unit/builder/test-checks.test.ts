import { describe, expect, it } from 'vitest';
import { autopkgtestVerdict } from '../../../src/builder/checks/autopkgtest-summary.js';
import {
  brokenPackages,
  installabilityVerdict,
  type BrokenPackage,
} from '../../../src/builder/checks/dose-report.js';
import { testEntries, unavailableTests } from '../../../src/builder/checks/test-control.js';
import { testFailure } from '../../../src/builder/checks/test-stage.js';
import { failedScripts, somePaths, treeChanges } from '../../../src/builder/checks/tree-diff.js';

/** dose-distcheck -f -e output, as dose 7 prints it. */
const DOSE = `output-version: 1.2
native-architecture: amd64
report:
 -
  package: victim
  version: 1.0
  architecture: amd64
  status: broken
  reasons:
   -
    conflict:
     pkg1:
      package: breaker
      version: 1.0
      architecture: all
      essential: true
      unsat-conflict: victim:amd64
     pkg2:
      package: victim
      version: 1.0
      architecture: amd64
 -
  package: unsat
  version: 1.0
  architecture: amd64
  status: broken
  reasons:
   -
    missing:
     pkg:
      package: unsat
      version: 1.0
      architecture: amd64
      unsat-dependency: no-such-package:amd64 (>= 2)
 
background-packages: 1
foreground-packages: 3
total-packages: 4
broken-packages: 2
`;

describe('installability', () => {
  it('reads the broken packages and why from a dose-distcheck report', () => {
    expect(brokenPackages(DOSE)).toEqual([
      { package: 'victim', why: 'conflict between breaker and victim' },
      { package: 'unsat', why: 'missing no-such-package (>= 2)' },
    ]);
    expect(brokenPackages('output-version: 1.2\nreport: []\n')).toEqual([]);
  });

  it('fails new packages that do not install and suite packages that newly break', () => {
    const [victim, unsat] = brokenPackages(DOSE);
    const verdict = (before: BrokenPackage[]) =>
      installabilityVerdict({
        before,
        after: [victim!, unsat!],
        newPackages: ['unsat', 'breaker'],
        distribution: 'bookworm-test-unstable',
      });
    expect(verdict([])).toEqual({
      result: 'fail',
      reason:
        'victim in bookworm-test-unstable would break: conflict between breaker and victim; unsat cannot be installed: missing no-such-package (>= 2)',
    });
    // A package broken before does not count against the upload.
    expect(verdict([victim!]).reason).not.toContain('victim');
    expect(
      installabilityVerdict({ before: [], after: [], newPackages: ['a', 'b'], distribution: 'd' }),
    ).toEqual({ result: 'pass', reason: '2 packages installable; nothing in d breaks' });
  });
});

describe('autopkgtest', () => {
  const summary = [
    'runs                 PASS',
    'as-root              PASS',
    'skip-me              SKIP exit status 77 and marked as skippable',
    'fails                FAIL non-zero exit status 1',
  ].join('\n');

  it('turns its exit status and summary into a verdict', () => {
    expect(autopkgtestVerdict(4, summary)).toEqual({
      result: 'fail',
      reason: 'tests failed: fails (non-zero exit status 1)',
    });
    expect(autopkgtestVerdict(2, summary.split('\n').slice(0, 3).join('\n'))).toEqual({
      result: 'pass',
      reason:
        'tests passed: 2 pass, 1 skip; skipped: skip-me (exit status 77 and marked as skippable)',
    });
    expect(autopkgtestVerdict(8, 'a SKIP why')).toEqual({
      result: 'skip',
      reason: 'no test could run: a (why)',
    });
    expect(autopkgtestVerdict(16, '').result).toBe('fail');
    expect(autopkgtestVerdict(null, '').reason).toBe('autopkgtest failed (exit status none)');
  });

  it('skips the tests whose restrictions the sandbox cannot meet, with the reason', () => {
    const entries = testEntries(
      [
        'Tests: one, two',
        'Restrictions: needs-root allow-stderr',
        '',
        'Test-Command: true',
        'Restrictions: isolation-container',
        '',
        'Tests: three',
        'Restrictions: breaks-testbed,needs-root',
        '',
      ].join('\n'),
    );
    expect(entries.map((e) => e.name)).toEqual(['one', 'two', 'command1', 'three']);
    expect(unavailableTests(entries)).toEqual([
      {
        name: 'command1',
        reason: 'needs isolation-container, which the sandbox does not give',
      },
      { name: 'three', reason: 'breaks-testbed: the testbed cannot be reverted' },
    ]);
  });
});

describe('install test', () => {
  it('reads comm -3 output into files left behind and files gone', () => {
    expect(treeChanges('/etc/gone\n\t/var/lib/x\n\t/var/lib/x/state\n')).toEqual({
      left: ['/var/lib/x', '/var/lib/x/state'],
      gone: ['/etc/gone'],
    });
    expect(somePaths(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
  });

  it('names the maintainer scripts dpkg says failed', () => {
    const output = [
      'dpkg: error processing package foo (--purge):',
      ' installed foo package post-removal script subprocess returned error exit status 1',
    ].join('\n');
    expect(failedScripts(output)).toEqual(['post-removal script of foo (exit status 1)']);
  });
});

describe('the stage verdict', () => {
  it('fails a build only for errfail checks that failed', () => {
    const result = (check: 'autopkgtest' | 'installtest', mode: 'ignore' | 'errfail') => ({
      check,
      mode,
      result: 'fail' as const,
      reason: 'why',
    });
    expect(testFailure([result('autopkgtest', 'ignore')])).toBeNull();
    expect(testFailure([result('autopkgtest', 'errfail'), result('installtest', 'errfail')])).toBe(
      'autopkgtest failed: why; installtest failed: why',
    );
  });
});
