import type { LintianMode, TestCheck, TestMode } from './build-request.js';

/**
 * The options an upload gives its builds (parsed by the incoming from the changelog,
 * stored with the upload, read by the scheduler when it makes build requests).
 */

/** A value with an optional default and per-architecture overrides. */
export interface PerArchitecture<T> {
  default: T | null;
  byArchitecture: Record<string, T>;
}

export interface UploadOptions {
  /** How lintian results count (the builds' modes): disabled, ignore, errfail, warnfail. */
  lintianMode: PerArchitecture<LintianMode>;
  /** Whether lintian runs at all (mini-buildd's run-lintian). */
  runLintian: PerArchitecture<boolean>;
  /** Install even if lintian fails (mini-buildd's ignore-lintian). */
  ignoreLintian: PerArchitecture<boolean>;
  /**
   * Modes of the test stage's checks (autopkgtest-mode, installtest-mode,
   * installability-mode), over the target distribution's.
   */
  testModes?: Partial<Record<TestCheck, PerArchitecture<TestMode>>>;
  /** Distributions to port to automatically after a successful install. */
  autoPorts: string[];
  /** APT priority of the repository's own packages in builds (default 1). */
  internalAptPriority: number | null;
}

export const NO_OPTIONS: UploadOptions = {
  lintianMode: { default: null, byArchitecture: {} },
  runLintian: { default: null, byArchitecture: {} },
  ignoreLintian: { default: null, byArchitecture: {} },
  autoPorts: [],
  internalAptPriority: null,
};

/** The value for one architecture: its override, else the default, else `fallback`. */
export function forArchitecture<T>(
  value: PerArchitecture<T> | undefined,
  arch: string,
  fallback: T,
): T {
  return value?.byArchitecture[arch] ?? value?.default ?? fallback;
}
