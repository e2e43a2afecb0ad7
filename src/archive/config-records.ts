// The archive's configuration as stored: layouts and their suites, repositories, distributions
// and their build limits (db/archive-config-repository.ts keeps them).

import type { Layout, SuiteSpec } from './model/layout.js';

/** A suite as stored: the suite of the archive's model (model/layout.ts), which says what it means. */
export type SuiteRecord = SuiteSpec;

/** A layout as stored: its suites, and whether it is one the daemon brings. */
export type LayoutRecord = Layout & { builtin: boolean };

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
