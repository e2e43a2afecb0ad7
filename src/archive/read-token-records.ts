// A read token of a private repository as stored (db/read-tokens-repository.ts).

/** A read token of a private repository as stored: its secret only as a SHA-256 digest. */
export interface ReadToken {
  id: number;
  repository: string;
  name: string;
  digest: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
