// An upload as stored: the incoming writes its verdict, the scheduler moves it on from
// ACCEPTED (db/uploads-repository.ts). It lives with the scheduler, the lower of the two layers.

/** The states the incoming writes; the scheduler adds its own (the column is free text). */
export type IncomingUploadState = 'ACCEPTED' | 'REJECTED';

/**
 * The states in which an upload is done with: refused (REJECTED, and RETRIED: checked
 * again as a new row), failed (FAILED; a retry makes it PACKAGING again) or INSTALLED
 * (from then on the archive holds the version). Every other state (ACCEPTED,
 * PACKAGING, BUILDING, BUILT, and any a later version adds) is on its way in.
 */
export const SETTLED_UPLOAD_STATES: readonly string[] = [
  'REJECTED',
  'RETRIED',
  'FAILED',
  'INSTALLED',
];

/** A file of an upload as it was checked. */
export interface UploadFileRecord {
  name: string;
  size: number;
  sha256: string;
  /** Not uploaded: the .dsc names it and the repository's pool already has it. */
  inPool?: boolean;
}

/**
 * One processed `.changes`. For accepted uploads everything a build needs: where the
 * files are, what to build for, with which options, signed by whom.
 */
export interface UploadRecord {
  id: number;
  state: string;
  /** The `.changes` file name as uploaded. */
  changesFile: string;
  source: string | null;
  version: string | null;
  /** The resolved distribution `<codename>-<repo>-<suite>` (as written if it did not resolve). */
  distribution: string | null;
  repository: string | null;
  codename: string | null;
  suite: string | null;
  /** The `.dsc` file name in the spool folder (source uploads). */
  dscFile: string | null;
  /** Architectures to build on, one build each. */
  architectures: string[];
  /**
   * Whether arch:all packages are built; if so, the first architecture (the
   * distribution's arch-all architecture) builds them.
   */
  archAll: boolean;
  /** Upload options from the changelog (see incoming/upload-options.ts). */
  options: Record<string, unknown>;
  /** Fingerprint of the signing key; null for an unsigned upload. */
  signer: string | null;
  /**
   * Whom an upload the daemon made (signed with its key) is for: `anonymous`,
   * `key <fingerprint>` or `user <name> (<role>)`; null for uploads from outside.
   */
  requestedBy: string | null;
  changedBy: string | null;
  files: UploadFileRecord[];
  /** Folder holding the files, relative to the home: `spool/<key>` or `rejected/<key>`. */
  spoolPath: string;
  /** Rejection reasons, each one sentence. */
  reasons: string[];
  receivedAt: string;
  processedAt: string;
  updatedAt: string;
}

export type NewUpload = Omit<UploadRecord, 'id' | 'updatedAt'>;

export interface UploadFilter {
  state?: string;
  /** Any of these states. */
  states?: readonly string[];
  source?: string;
  repository?: string;
  /** Not uploads to these repositories (private ones an anonymous caller may not see). */
  excludeRepositories?: readonly string[];
  /** The signing key's fingerprint (or its last 16 hex digits); null: unsigned uploads. */
  signer?: string | null;
  /** Only uploads with an id greater than this (then oldest first). */
  afterId?: number;
  /** Only uploads with an id less than this (paging backwards). */
  beforeId?: number;
  /** At most this many, newest first (unless afterId is given). */
  limit?: number;
}
