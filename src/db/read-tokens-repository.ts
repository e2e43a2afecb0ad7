import type { Db } from './database.js';
import type { ReadToken } from '../archive/read-token-records.js';

interface Row {
  id: number;
  repository: string;
  name: string;
  digest: string;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

const toToken = (row: Row): ReadToken => ({
  id: row.id,
  repository: row.repository,
  name: row.name,
  digest: row.digest,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
});

/** Read tokens of private repositories (table read_tokens). */
export class ReadTokensRepository {
  constructor(private readonly db: Db) {}

  create(input: {
    repository: string;
    name: string;
    digest: string;
    createdAt: Date;
    createdBy: string | null;
    expiresAt: Date | null;
  }): ReadToken {
    const row = this.db
      .prepare(
        `INSERT INTO read_tokens (repository, name, digest, created_at, created_by, expires_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        input.repository,
        input.name,
        input.digest,
        input.createdAt.toISOString(),
        input.createdBy,
        input.expiresAt?.toISOString() ?? null,
      ) as Row;
    return toToken(row);
  }

  get(id: number): ReadToken | undefined {
    const row = this.db.prepare('SELECT * FROM read_tokens WHERE id = ?').get(id) as
      Row | undefined;
    return row && toToken(row);
  }

  list(repository?: string): ReadToken[] {
    const rows = (
      repository === undefined
        ? this.db.prepare('SELECT * FROM read_tokens ORDER BY id').all()
        : this.db
            .prepare('SELECT * FROM read_tokens WHERE repository = ? ORDER BY id')
            .all(repository)
    ) as Row[];
    return rows.map(toToken);
  }

  revoke(id: number, at: Date): void {
    this.db
      .prepare('UPDATE read_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(at.toISOString(), id);
  }

  /** Notes a use; at most once a minute per token, to spare the database. */
  touch(id: number, at: Date): void {
    this.db
      .prepare(
        `UPDATE read_tokens SET last_used_at = @at
         WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @minuteAgo)`,
      )
      .run({ id, at: at.toISOString(), minuteAgo: new Date(at.getTime() - 60_000).toISOString() });
  }
}
