import { describe, expect, it } from 'vitest';
import { parseSuiteModes, suiteTestModes } from '../../../src/archive/model/test-modes.js';
import { migrationRefusals } from '../../../src/archive/test-gate.js';
import { testModesFor } from '../../../src/scheduler/build-plan.js';
import { NO_OPTIONS } from '../../../src/builder/upload-options.js';

const target = (suite: string, testModes = {}, experimental = false) => ({
  name: `bookworm-test-${suite}`,
  distribution: { testModes } as never,
  suite: { name: suite, experimental } as never,
});

describe('test modes per suite', () => {
  it('reads modes for every suite or per suite, and refuses bad ones', () => {
    expect(parseSuiteModes('errfail')).toEqual({ modes: { '*': 'errfail' } });
    expect(parseSuiteModes('unstable=errfail, *=ignore')).toEqual({
      modes: { unstable: 'errfail', '*': 'ignore' },
    });
    expect(parseSuiteModes('default')).toEqual({ modes: null });
    expect(parseSuiteModes('unstable=often')).toEqual({
      error: '"often" is not one of disabled, ignore, errfail',
    });
    const modes = { autopkgtest: { unstable: 'errfail', '*': 'ignore' } } as const;
    expect(suiteTestModes(modes, 'unstable')).toEqual({
      installability: 'disabled',
      autopkgtest: 'errfail',
      installtest: 'disabled',
    });
    expect(suiteTestModes(modes, 'testing').autopkgtest).toBe('ignore');
  });

  it("gives a build its suite's modes, the upload's options over them, experimental only reporting", () => {
    const suite = target('unstable', { installtest: { '*': 'errfail' } });
    expect(testModesFor(NO_OPTIONS, 'amd64', suite).installtest).toBe('errfail');
    const options = {
      ...NO_OPTIONS,
      testModes: {
        installtest: { default: 'ignore' as const, byArchitecture: { arm64: 'disabled' as const } },
      },
    };
    expect(testModesFor(options, 'amd64', suite).installtest).toBe('ignore');
    expect(testModesFor(options, 'arm64', suite).installtest).toBe('disabled');
    const experimental = target('experimental', { installtest: { '*': 'errfail' } }, true);
    expect(testModesFor(NO_OPTIONS, 'amd64', experimental).installtest).toBe('ignore');
  });
});

describe('the migration gate', () => {
  const builds = [
    {
      architecture: 'amd64',
      tests: [
        { check: 'autopkgtest', mode: 'ignore', result: 'fail', reason: 'tests failed: t' },
        { check: 'installtest', mode: 'ignore', result: 'skip', reason: 'nothing' },
      ],
    },
  ];
  const version = { source: 'hello', version: '1.0', builds };

  it('lets everything into a suite that requires no check', () => {
    expect(migrationRefusals(target('testing'), version)).toEqual([]);
    expect(
      migrationRefusals(target('testing', { autopkgtest: { testing: 'ignore' } }), version),
    ).toEqual([]);
  });

  it('refuses failed and missing checks the target suite requires; a skip passes', () => {
    const strict = target('testing', {
      autopkgtest: { testing: 'errfail' },
      installtest: { '*': 'errfail' },
      installability: { testing: 'errfail' },
    });
    expect(migrationRefusals(strict, version)).toEqual([
      'installability did not run for amd64',
      'autopkgtest failed for amd64: tests failed: t',
    ]);
    expect(migrationRefusals(strict, { ...version, builds: [] })).toEqual([
      'no build of hello 1.0 has test results (bookworm-test-testing requires installability, autopkgtest, installtest)',
    ]);
  });
});
