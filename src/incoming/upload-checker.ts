import type { NewUpload } from '../scheduler/upload-records.js';
import type { Problem } from '../shared/errors.js';

/** A complete upload as the processor hands it to the checks. */
export interface UploadToCheck {
  changesName: string;
  changesBytes: Buffer;
  /** Absolute path of a file in the incoming (whether or not it is there). */
  pathOf(name: string): string;
  /** Whether a file is in the incoming. */
  has(name: string): boolean;
}

/** What the checks learnt: everything known of the upload, and every problem. */
export interface CheckResult {
  problems: Problem[];
  upload: UploadFacts;
}

/** The fields of an upload record the checks fill in (null when unknown). */
export type UploadFacts = Omit<
  NewUpload,
  'state' | 'changesFile' | 'spoolPath' | 'reasons' | 'receivedAt' | 'processedAt'
>;

export const UNKNOWN_UPLOAD: UploadFacts = {
  source: null,
  version: null,
  distribution: null,
  repository: null,
  codename: null,
  suite: null,
  dscFile: null,
  architectures: [],
  archAll: false,
  options: {},
  signer: null,
  requestedBy: null,
  changedBy: null,
  files: [],
};

/** The checks an upload goes through; see upload-checks.ts. */
export interface UploadChecker {
  /**
   * The files a .changes lists; with problems when it cannot be read, or its file list
   * cannot (no Files field, unreadable lines): then it is rejected at once.
   */
  listedFiles(changesName: string, bytes: Buffer): { listed: string[]; problems: Problem[] };
  check(upload: UploadToCheck, signal: AbortSignal): Promise<CheckResult>;
}
