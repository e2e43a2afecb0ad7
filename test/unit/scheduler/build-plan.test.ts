import { describe, expect, it } from 'vitest';
import type { ResolvedDistribution } from '../../../src/archive/archive-config.js';
import { DEFAULT_LAYOUT } from '../../../src/archive/model/layout.js';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import { NO_OPTIONS, type UploadOptions } from '../../../src/builder/upload-options.js';
import { lintianModeFor, planBuilds } from '../../../src/scheduler/build-plan.js';
import { InvalidInputError } from '../../../src/shared/errors.js';

function target(suite: string, input: { mandatory?: string[] } = {}): ResolvedDistribution {
  const distribution = distributionSpec({
    codename: 'bookworm',
    architectures: ['amd64', 'arm64', 'i386'],
    archAllArchitecture: 'arm64',
    mandatoryArchitectures: input.mandatory ?? ['amd64', 'arm64'],
  });
  return {
    name: `bookworm-test-${suite}`,
    repository: {
      id: 'test',
      description: '',
      layout: 'default',
      allowUnsigned: true,
      distributions: [distribution],
    },
    layout: DEFAULT_LAYOUT,
    distribution,
    suite: DEFAULT_LAYOUT.suites.find((s) => s.name === suite)!,
    rollback: null,
  };
}

const options = (o: Partial<UploadOptions>) => ({ ...NO_OPTIONS, ...o }) as Record<string, unknown>;

describe('planning the builds of an upload', () => {
  it('builds arch:all with the first architecture, which is always mandatory', () => {
    const upload = {
      changesFile: 'x_1_source.changes',
      architectures: ['arm64', 'amd64', 'i386'],
      archAll: true,
      options: options({}),
    };
    const testModes = {
      installability: 'disabled',
      autopkgtest: 'disabled',
      installtest: 'disabled',
    };
    expect(planBuilds(upload, target('unstable'), 'errfail')).toEqual([
      { architecture: 'arm64', archAll: true, mandatory: true, lintianMode: 'errfail', testModes },
      { architecture: 'amd64', archAll: false, mandatory: true, lintianMode: 'errfail', testModes },
      { architecture: 'i386', archAll: false, mandatory: false, lintianMode: 'errfail', testModes },
    ]);
    const optionalAll = planBuilds(upload, target('unstable', { mandatory: ['amd64'] }), 'ignore');
    expect(optionalAll.map((b) => b.mandatory)).toEqual([true, true, false]);
  });

  it('refuses an upload with nothing to build', () => {
    expect(() =>
      planBuilds(
        { changesFile: 'x_1_source.changes', architectures: [], archAll: false, options: {} },
        target('unstable'),
        'errfail',
      ),
    ).toThrow(new InvalidInputError('x_1_source.changes names no architecture to build'));
  });

  it('takes the lintian mode from the upload options, else the default', () => {
    const o = {
      ...NO_OPTIONS,
      lintianMode: { default: 'warnfail' as const, byArchitecture: { i386: 'disabled' as const } },
    };
    const context = { experimental: false, fallback: 'errfail' as const };
    expect(lintianModeFor(o, 'amd64', context)).toBe('warnfail');
    expect(lintianModeFor(o, 'i386', context)).toBe('disabled');
    expect(lintianModeFor(NO_OPTIONS, 'amd64', context)).toBe('errfail');
  });

  it('only reports lintian findings for experimental suites and with ignore-lintian', () => {
    const experimental = { experimental: true, fallback: 'errfail' as const };
    expect(lintianModeFor(NO_OPTIONS, 'amd64', experimental)).toBe('ignore');
    const ignoring = {
      ...NO_OPTIONS,
      ignoreLintian: { default: null, byArchitecture: { arm64: true } },
    };
    const normal = { experimental: false, fallback: 'warnfail' as const };
    expect(lintianModeFor(ignoring, 'arm64', normal)).toBe('ignore');
    expect(lintianModeFor(ignoring, 'amd64', normal)).toBe('warnfail');
    const upload = { changesFile: 'x', architectures: ['amd64'], archAll: false, options: {} };
    expect(planBuilds(upload, target('experimental'), 'errfail')[0]!.lintianMode).toBe('ignore');
  });

  it('switches lintian off with run-lintian=false and on with run-lintian=true', () => {
    const context = { experimental: false, fallback: 'errfail' as const };
    const off = { ...NO_OPTIONS, runLintian: { default: false, byArchitecture: {} } };
    expect(lintianModeFor(off, 'amd64', context)).toBe('disabled');
    const on = { ...NO_OPTIONS, runLintian: { default: true, byArchitecture: {} } };
    expect(lintianModeFor(on, 'amd64', { ...context, fallback: 'disabled' })).toBe('ignore');
  });
});
