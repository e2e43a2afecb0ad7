// The archive's configuration as stored: layouts and their suites, repositories, distributions
// and their build limits (db/archive-config-repository.ts keeps them).

/** A suite as stored (the archive layer owns its meaning). */
export interface SuiteRecord {
  name: string;
  uploadable: boolean;
  experimental: boolean;
  migratesTo: string | null;
  rollbacks: number;
  notAutomatic: boolean;
  butAutomaticUpgrades: boolean;
}

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
