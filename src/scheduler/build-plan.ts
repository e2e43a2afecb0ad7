import type { ResolvedDistribution } from '../archive/archive-config.js';
import { TEST_CHECKS, type LintianMode, type TestModes } from '../builder/build-request.js';
import { suiteTestModes } from '../archive/model/test-modes.js';
import { forArchitecture, NO_OPTIONS, type UploadOptions } from '../builder/upload-options.js';
import type { UploadRecord } from './upload-records.js';
import { InvalidInputError } from '../shared/errors.js';

/** One build an upload needs. */
export interface PlannedBuild {
  architecture: string;
  /** This build also builds the Architecture: all packages. */
  archAll: boolean;
  /** The upload is installed only when every mandatory build succeeded. */
  mandatory: boolean;
  lintianMode: LintianMode;
  testModes: TestModes;
}

/**
 * The builds of an accepted upload: one per architecture the incoming planned, the
 * first one also building arch:all when there is any (the distribution's arch:all
 * architecture). Mandatory are the distribution's mandatory architectures, and always
 * the build carrying arch:all (without it the arch:all packages would be missing).
 */
export function planBuilds(
  upload: Pick<UploadRecord, 'architectures' | 'archAll' | 'options' | 'changesFile'>,
  target: ResolvedDistribution,
  defaultLintian: LintianMode,
): PlannedBuild[] {
  if (upload.architectures.length === 0) {
    throw new InvalidInputError(`${upload.changesFile} names no architecture to build`);
  }
  const options = readUploadOptions(upload.options);
  const mandatory = new Set(target.distribution.mandatoryArchitectures);
  return upload.architectures.map((architecture, i) => {
    const archAll = upload.archAll && i === 0;
    return {
      architecture,
      archAll,
      mandatory: archAll || mandatory.has(architecture),
      lintianMode: lintianModeFor(options, architecture, {
        experimental: target.suite.experimental,
        fallback: defaultLintian,
      }),
      testModes: testModesFor(options, architecture, target),
    };
  });
}

/**
 * The lintian mode of one build: the upload's lintian-mode, else the daemon's default;
 * run-lintian=false switches it off (run-lintian=true on at least `ignore`); in
 * experimental suites and with ignore-lintian its findings are only reported.
 */
export function lintianModeFor(
  options: UploadOptions,
  architecture: string,
  context: { experimental: boolean; fallback: LintianMode },
): LintianMode {
  const run = forArchitecture<boolean | null>(options.runLintian, architecture, null);
  if (run === false) return 'disabled';
  let mode = forArchitecture(options.lintianMode, architecture, context.fallback);
  if (run === true && mode === 'disabled') mode = 'ignore';
  const fatal = mode === 'errfail' || mode === 'warnfail';
  if (
    fatal &&
    (context.experimental || forArchitecture(options.ignoreLintian, architecture, false))
  )
    return 'ignore';
  return mode;
}

/**
 * The test modes of one build: the upload's autopkgtest-mode, installtest-mode and
 * installability-mode, else its target suite's (the distribution's modes per suite); in
 * experimental suites a failed check is only reported, as lintian's findings are.
 */
export function testModesFor(
  options: UploadOptions,
  architecture: string,
  target: Pick<ResolvedDistribution, 'distribution' | 'suite'>,
): TestModes {
  const suite = suiteTestModes(target.distribution.testModes ?? {}, target.suite.name);
  const modes = { ...suite };
  for (const check of TEST_CHECKS) {
    const mode = forArchitecture(options.testModes?.[check], architecture, suite[check]);
    modes[check] = mode === 'errfail' && target.suite.experimental ? 'ignore' : mode;
  }
  return modes;
}

/** The stored options of an upload, with defaults for anything missing. */
export function readUploadOptions(stored: Record<string, unknown>): UploadOptions {
  return { ...NO_OPTIONS, ...(stored as Partial<UploadOptions>) };
}
