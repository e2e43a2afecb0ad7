// An extra apt source as stored (db/extra-sources-repository.ts).

/** An extra apt source as stored (see migration 080). */
export interface ExtraSourceRecord {
  name: string;
  url: string;
  suites: string[];
  components: string[];
  distributions: string[];
  /** Null only for a source marked unsigned. */
  armoredKey: string | null;
  keyFingerprints: string[];
  unsigned: boolean;
  priority: number;
  /** The Origin of its Release file (pinned by it), or null (pinned by host). */
  origin: string | null;
  auth: { login: string; password: string } | null;
  createdAt: string;
}
