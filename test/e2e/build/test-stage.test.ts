import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult, TestResult } from '../../../src/builder/build-request.js';
import { fixtureSource, persistentTempDir } from '../../fixtures/index.js';
import { buildRequest, testBuilder } from '../../fixtures/subsystems.js';

/**
 * The test stage on real builds: dose-distcheck, autopkgtest (null server in the
 * snapshot) and the install test, each fixture failing or passing for its reason.
 */
let env: Awaited<ReturnType<typeof testBuilder>>;
beforeAll(async () => {
  env = await testBuilder(persistentTempDir('debyard-snapshots-'));
}, 15 * 60_000);
afterAll(() => env.groups.close());

const log = (result: BuildResult) => readFileSync(result.logFile, 'utf8');
const test = (result: BuildResult, check: string): TestResult | undefined =>
  result.tests?.find((t) => t.check === check);

describe('the test stage', () => {
  it('passes a good package: installable, its autopkgtest passes (restrictions honoured), install test clean', async () => {
    const result = await env.builder.build(
      buildRequest(fixtureSource('qa-pass'), env.lease, {
        tests: { installability: 'errfail', autopkgtest: 'errfail', installtest: 'errfail' },
      }),
    );
    const text = log(result);
    expect(result.status, text).toBe('successful');
    expect(test(result, 'installability')).toMatchObject({ result: 'pass', mode: 'errfail' });
    const autopkgtest = test(result, 'autopkgtest')!;
    expect(autopkgtest, text).toMatchObject({ result: 'pass' });
    // needs-root and allow-stderr run; skippable (exit 77) and isolation-container are skipped.
    expect(autopkgtest.reason).toMatch(/2 pass, 2 skip/);
    expect(autopkgtest.reason).toMatch(/isolated \([^)]*isolation-container/);
    expect(autopkgtest.reason).toMatch(/skip-me/);
    expect(test(result, 'installtest')).toMatchObject({
      result: 'pass',
      reason: 'debyard-qa-pass: install, purge and reinstall clean',
    });
    // Each check's log beside the build log.
    const dir = path.dirname(result.logFile);
    expect(readFileSync(path.join(dir, 'autopkgtest.log'), 'utf8')).toMatch(/runs\s+PASS/);
    expect(existsSync(path.join(dir, 'installtest.log'))).toBe(true);
    expect(text).toMatch(/^Tests: installability=pass autopkgtest=pass installtest=pass$/m);
  }, 900_000);

  it('ignore records a failed autopkgtest and files left after purge without failing the build', async () => {
    const result = await env.builder.build(
      buildRequest(fixtureSource('qa-fail'), env.lease, {
        tests: { autopkgtest: 'ignore', installtest: 'ignore' },
      }),
    );
    expect(result.status, log(result)).toBe('successful');
    expect(test(result, 'installability')).toBeUndefined();
    expect(test(result, 'autopkgtest')).toMatchObject({
      mode: 'ignore',
      result: 'fail',
      reason: expect.stringMatching(/^tests failed: fails \(non-zero exit status 1\)/),
    });
    expect(test(result, 'installtest')).toMatchObject({
      result: 'fail',
      reason: 'files left after purge: /var/lib/debyard-qa-fail, /var/lib/debyard-qa-fail/state',
    });
  }, 600_000);

  it('errfail fails the build for a post-removal script failing on purge', async () => {
    const result = await env.builder.build(
      buildRequest(fixtureSource('qa-purgefail'), env.lease, {
        tests: { installtest: 'errfail', autopkgtest: 'errfail' },
      }),
    );
    expect(result).toMatchObject({
      status: 'failed',
      failStage: 'test',
      reason:
        'installtest failed: purge failed: post-removal script of debyard-qa-purgefail (exit status 1) failed',
    });
    expect(test(result, 'autopkgtest')).toMatchObject({
      result: 'skip',
      reason: 'the source has no debian/tests/control',
    });
    expect(log(result)).toMatch(/^Fail-Stage: test$/m);
  }, 600_000);

  it('installability fails a package whose Depends cannot be satisfied', async () => {
    const result = await env.builder.build(
      buildRequest(fixtureSource('qa-unsat'), env.lease, {
        tests: { installability: 'errfail' },
      }),
    );
    expect(result).toMatchObject({
      status: 'failed',
      failStage: 'test',
      reason:
        'installability failed: debyard-qa-unsat cannot be installed: missing debyard-no-such-package (>= 2)',
    });
  }, 600_000);
});
