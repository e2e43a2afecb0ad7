// The archive's configuration as stored: layouts and their suites, repositories, distributions
// and their build limits (db/archive-config-repository.ts keeps them).

/** One suite of a layout, as mini-buildd users know them (model/layout.ts says more). */
export interface SuiteRecord {
  name: string;
  /** Uploads may target this suite. */
  uploadable: boolean;
  /** Experimental suites take `+0` versions (see model/version-policy.ts). */
  experimental: boolean;
  /** The suite `migrate` moves packages to, if any. */
  migratesTo: string | null;
  /** How many previous versions are kept in `-rollback0` … `-rollbackN-1`. */
  rollbacks: number;
  notAutomatic: boolean;
  butAutomaticUpgrades: boolean;
}

/** A layout as stored: its suites, and whether it is one the daemon brings. */
export interface LayoutRecord {
  name: string;
  suites: SuiteRecord[];
  builtin: boolean;
}

export interface DistributionRecord {
  codename: string;
  codeversion: string;
  architectures: string[];
  archAllArchitecture: string;
  mandatoryArchitectures: string[];
  components: string[];
  /** Resource limits of its builds over the builder's own; {} for none. */
  buildLimits: BuildLimitsRecord;
  /** Modes of the test stage's checks: check → suite (or "*") → mode; {} for none. */
  testModes?: Record<string, Record<string, string>>;
}

export interface BuildLimitsRecord {
  pids?: number;
  memoryBytes?: number;
  cpus?: number;
  diskBytes?: number;
}

export interface RepositoryRecord {
  id: string;
  description: string;
  layout: string;
  allowUnsigned: boolean;
  private?: boolean;
  distributions: DistributionRecord[];
  createdAt: string;
  updatedAt: string;
}
