// A build as stored: its states, what it ran and how it ended (db/builds-repository.ts).

export const BUILD_STATES = [
  'QUEUED',
  'BUILDING',
  'BUILT',
  'FAILED',
  'CANCELLED',
  'DEPWAIT',
] as const;
export type BuildState = (typeof BUILD_STATES)[number];
/** States a build does not leave (but by a retry of its upload, which makes new builds). */
export const FINAL_BUILD_STATES: readonly BuildState[] = ['BUILT', 'FAILED', 'CANCELLED'];
/** States of a build that is not running and whose log is complete. */
export const ENDED_BUILD_STATES: readonly BuildState[] = [...FINAL_BUILD_STATES, 'DEPWAIT'];

/** Durations of a build's phases in ms, as its builder measured them. */
export interface BuildTimes {
  setupMs?: number;
  installMs?: number;
  buildMs?: number;
  totalMs?: number;
}

/** A check of a build's test stage and its verdict (src/builder's TestResult). */
export interface StoredTestResult {
  check: string;
  mode: string;
  result: string;
  reason: string;
  log?: string;
}

/** One build of one architecture of an upload, as stored. */
export interface BuildRecord {
  id: number;
  uploadId: number;
  /** 1 for the first builds of an upload; each retry of the upload adds a round. */
  round: number;
  architecture: string;
  archAll: boolean;
  mandatory: boolean;
  lintianMode: string;
  /** The modes of the test stage's checks ({}: none ran). */
  testModes: Record<string, string>;
  priority: number;
  state: BuildState;
  builder: string | null;
  /** The builder ran it under emulation (qemu-user) rather than natively. */
  emulated: boolean;
  attempts: number;
  /** The builder's verdict (successful, failed, attempted, cancelled). */
  status: string | null;
  failStage: string | null;
  reason: string | null;
  lintian: string | null;
  /** The test stage's verdicts, one per check that ran. */
  tests: StoredTestResult[];
  logFile: string | null;
  resultDir: string | null;
  files: string[];
  times: BuildTimes;
  /** Bytes of the build's log dropped because it outgrew build.max_log_size; 0: all kept. */
  logDroppedBytes: number;
  queuedAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** A build with what its upload says about the package. */
export interface BuildView extends BuildRecord {
  source: string;
  version: string;
  distribution: string;
  codename: string;
  repository: string;
}

export type NewBuild = Pick<
  BuildRecord,
  'uploadId' | 'round' | 'architecture' | 'archAll' | 'mandatory' | 'lintianMode' | 'priority'
> & { queuedAt: Date; testModes?: Record<string, string> };

/** How a build ended. */
export type BuildEnd = Pick<
  BuildRecord,
  'status' | 'failStage' | 'reason' | 'lintian' | 'files' | 'times' | 'logDroppedBytes'
> & {
  tests?: StoredTestResult[];
  state: 'BUILT' | 'FAILED' | 'CANCELLED' | 'DEPWAIT';
  endedAt: Date;
};

export interface BuildFilter {
  states?: readonly BuildState[];
  uploadId?: number;
  source?: string;
  architecture?: string;
  builder?: string;
  /** Not builds for these repositories (private ones an anonymous caller may not see). */
  excludeRepositories?: readonly string[];
  /** At most this many, newest first. */
  limit?: number;
}
