// A git source and its builds as stored: where uploads come from and each try to make
// one (db/git-sources-repository.ts).

/** Where the upstream tarball comes from (own-uploads/git/dep14-layout.ts). */
export type GitLayout = 'native' | 'upstream-tag' | 'pristine-tar' | 'watch';
export type GitTrigger = 'manual' | 'webhook' | 'poll';
export type GitBuildState = 'running' | 'uploaded' | 'rejected' | 'failed' | 'skipped';

/** A git repository the daemon makes source uploads from. */
export interface GitSourceRecord {
  id: number;
  name: string;
  url: string;
  tags: string | null;
  branches: string[];
  /** null: the distribution debian/changelog names. */
  distribution: string | null;
  layout: GitLayout;
  /** The upstream tags' pattern, %(version)s the upstream version (gbp's upstream-tag). */
  upstreamTag: string;
  /** Where the watch layout may download upstream tarballs from (URL prefixes; else []). */
  origUrlPrefixes: string[];
  /** The fingerprint of the key that signs its uploads (null: the instance key). */
  signingKey: string | null;
  secret: string;
  /** The public deploy key to add to the forge (ssh URLs). */
  deployKey: string | null;
  pollMinutes: number;
  polledAt: string | null;
  pollError: string | null;
  createdAt: string;
  createdBy: string | null;
  /** Commit statuses go to this forge's API (null: none). */
  status: { forge: 'github' | 'gitea' | 'gitlab'; url: string; token: string } | null;
}

export type NewGitSource = Omit<GitSourceRecord, 'id' | 'polledAt' | 'pollError'>;

/** One try to make a source upload from a commit. */
export interface GitBuildRecord {
  id: number;
  sourceId: number | null;
  sourceName: string;
  url: string;
  ref: string;
  commit: string | null;
  trigger: GitTrigger;
  state: GitBuildState;
  package: string | null;
  version: string | null;
  uploadId: number | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}
