import { z } from 'zod';
import { LIMIT_BOUNDS, type LimitOverrides } from '../chroot/build-limits.js';
import { ARCHITECTURE_PATTERN, CODENAME_PATTERN } from '../chroot/definition.js';
import { InvalidInputError } from '../shared/errors.js';

export const LINTIAN_MODES = ['disabled', 'ignore', 'errfail', 'warnfail'] as const;
/**
 * disabled: lintian does not run. ignore: it runs, its outcome is reported, the build
 * status does not depend on it. errfail / warnfail: errors (or errors and warnings)
 * fail the build.
 */
export type LintianMode = (typeof LINTIAN_MODES)[number];

/** The test stage's checks, in the order a build runs them (see src/builder/checks/). */
export const TEST_CHECKS = ['installability', 'autopkgtest', 'installtest'] as const;
export type TestCheck = (typeof TEST_CHECKS)[number];
export const TEST_MODES = ['disabled', 'ignore', 'errfail'] as const;
/**
 * As lintian's: disabled: the check does not run. ignore: it runs and its result is
 * recorded, the build does not depend on it. errfail: a failed check fails the build
 * (so the upload is not installed).
 */
export type TestMode = (typeof TEST_MODES)[number];
export type TestModes = Record<TestCheck, TestMode>;
export const NO_TESTS: TestModes = {
  installability: 'disabled',
  autopkgtest: 'disabled',
  installtest: 'disabled',
};

/** One check's verdict: pass, fail, or skip (it had nothing to check, or could not). */
export interface TestResult {
  check: TestCheck;
  mode: TestMode;
  result: 'pass' | 'fail' | 'skip';
  /** One line for humans: what passed, failed or why it was skipped. */
  reason: string;
  /** The check's own log, a file beside the build log (absent: it did not run). */
  log?: string;
}

/** Where the extra apt sources put the archive key inside the chroot (armored). */
export const EXTRA_APT_KEYRING = '/etc/apt/keyrings/debyard-archive.asc';

/**
 * apt sources for build dependencies beyond the base mirror: the target distribution's
 * own suites in the daemon's archive. Each stanza is signed: with the key inline in its
 * Signed-By field (as the sources_list call gives it), or with `Signed-By:
 * EXTRA_APT_KEYRING` and the key given here.
 */
export interface ExtraAptSources {
  /** deb822 `.sources` stanzas. */
  sources: string;
  /** The armored OpenPGP public key, written to EXTRA_APT_KEYRING. */
  key?: string;
  /** apt_preferences(5) text pinning these sources, if any. */
  preferences?: string;
}

/** One build of one source package for one architecture. */
export interface BuildRequest {
  /** The scheduler's build id; names the live log. */
  id: number;
  /** Path of the .dsc; every file it lists is in the same folder. */
  dsc: string;
  codename: string;
  architecture: string;
  /** Whether this build also builds the Architecture: all packages. */
  archAll: boolean;
  /** The distribution the result goes to (e.g. bookworm-test-unstable): the .changes says so. */
  distribution: string;
  extraApt?: ExtraAptSources;
  /** DEB_BUILD_OPTIONS for dpkg-buildpackage (e.g. "nocheck parallel=2"). */
  debBuildOptions?: string;
  lintian: LintianMode;
  /** The modes of the test stage's checks (absent: all disabled). */
  tests?: Partial<TestModes>;
  /** The whole build, from setting up its snapshot on, is killed after this long. */
  timeLimitMs: number;
  /** Resource limits instead of the builder's own (the distribution's). */
  limits?: LimitOverrides;
  /** Where the result files are put (created if missing). */
  resultDir: string;
  /** The build log (created or emptied). */
  logFile: string;
}

export const BUILD_STATUSES = ['successful', 'failed', 'attempted', 'cancelled'] as const;
/** As sbuild: attempted = the package's own build failed; failed = anything else did. */
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** sbuild's names for the stages a build can fail in. */
export type BuildStage =
  | 'create-session'
  | 'fetch-src'
  | 'install-deps'
  | 'unpack'
  | 'build'
  | 'post-build'
  | 'lintian'
  | 'test';

export type LintianOutcome = 'disabled' | 'pass' | 'fail' | 'error';

export interface BuildResult {
  id: number;
  status: BuildStatus;
  failStage: BuildStage | null;
  /** One line for humans: why it did not succeed. */
  reason: string | null;
  package: string;
  version: string | null;
  architecture: string;
  /** The .changes in resultDir, when the build produced one. */
  changes: string | null;
  /** Every result file in resultDir: the .changes and the files it lists. */
  files: string[];
  logFile: string;
  lintian: LintianOutcome;
  /** The test stage's verdicts, one per check that was not disabled. */
  tests?: TestResult[];
  startedAt: string;
  /** Time of dpkg-buildpackage itself. */
  buildTimeMs: number;
  /** Time of the build-dependency installation. */
  installTimeMs: number;
  /** Time of the whole build, snapshot to cleanup. */
  totalTimeMs: number;
  /** Time to set up the snapshot and its namespaces. */
  setupTimeMs: number;
  /** Bytes dropped from the log because it outgrew build.max_log_size (absent: none). */
  logDroppedBytes?: number;
}

const requestSchema = z.object({
  id: z.number().int().nonnegative(),
  dsc: z.string().regex(/^\/.*\.dsc$/, 'must be the absolute path of a .dsc file'),
  codename: z.string().regex(CODENAME_PATTERN, 'not a codename'),
  architecture: z.string().regex(ARCHITECTURE_PATTERN, 'not an architecture'),
  archAll: z.boolean(),
  distribution: z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, 'not a distribution name'),
  extraApt: z
    .object({
      sources: z
        .string()
        .min(1, 'must not be empty')
        .refine((text) => signedStanzas(text), {
          message: 'every stanza needs a Signed-By field: apt must check these sources',
        }),
      key: z
        .string()
        .includes('-----BEGIN PGP PUBLIC KEY BLOCK-----', {
          message: 'must be an armored OpenPGP public key',
        })
        .optional(),
      preferences: z.string().optional(),
    })
    .optional(),
  debBuildOptions: z
    .string()
    .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII on one line')
    .optional(),
  lintian: z.enum(LINTIAN_MODES),
  tests: z
    .object(Object.fromEntries(TEST_CHECKS.map((c) => [c, z.enum(TEST_MODES).optional()])))
    .strict()
    .optional(),
  timeLimitMs: z.number().int().positive('must be positive'),
  limits: z
    .object({
      pids: bounded('pids', true),
      memoryBytes: bounded('memoryBytes', true),
      cpus: bounded('cpus', false),
      diskBytes: bounded('diskBytes', true),
    })
    .strict()
    .optional(),
  resultDir: z.string().startsWith('/', 'must be an absolute path'),
  logFile: z.string().startsWith('/', 'must be an absolute path'),
});

function bounded(key: keyof typeof LIMIT_BOUNDS, whole: boolean) {
  const { min, max } = LIMIT_BOUNDS[key];
  const number = whole ? z.number().int('must be a whole number') : z.number();
  return number.min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).optional();
}

/** Whether every stanza of a deb822 text has a Signed-By field. */
function signedStanzas(text: string): boolean {
  const stanzas = text.split(/\n[ \t]*\n/).filter((stanza) => stanza.trim() !== '');
  return stanzas.length > 0 && stanzas.every((stanza) => /^Signed-By:/im.test(stanza));
}

/** Checks a request, listing every problem. */
export function validateBuildRequest(request: BuildRequest): BuildRequest {
  const result = requestSchema.safeParse(request);
  if (result.success) return request;
  throw new InvalidInputError('invalid build request', {
    problems: result.error.issues.map((issue) => ({
      where: issue.path.join('.'),
      message: issue.message,
    })),
  });
}
