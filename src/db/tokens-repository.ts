import type { Db } from './database.js';
import type { ApiToken } from '../api/user-records.js';

interface TokenRow {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const toToken = (row: TokenRow): ApiToken => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
});

export class TokensRepository {
  constructor(private readonly db: Db) {}

  create(input: {
    userId: number;
    name: string;
    digest: string;
    prefix: string;
    createdAt: Date;
    expiresAt: Date | null;
  }): ApiToken {
    const row = this.db
      .prepare(
        `INSERT INTO api_tokens (user_id, name, digest, prefix, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        input.userId,
        input.name,
        input.digest,
        input.prefix,
        input.createdAt.toISOString(),
        input.expiresAt?.toISOString() ?? null,
      ) as TokenRow;
    return toToken(row);
  }

  findByDigest(digest: string): ApiToken | undefined {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE digest = ?').get(digest) as
      TokenRow | undefined;
    return row && toToken(row);
  }

  get(id: number): ApiToken | undefined {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as
      TokenRow | undefined;
    return row && toToken(row);
  }

  listForUser(userId: number): ApiToken[] {
    return (
      this.db
        .prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id')
        .all(userId) as TokenRow[]
    ).map(toToken);
  }

  /** Records a use, at most once a minute per token to spare the disk. */
  touch(id: number, now: Date): void {
    const cutoff = new Date(now.getTime() - 60_000).toISOString();
    this.db
      .prepare(
        'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      )
      .run(now.toISOString(), id, cutoff);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }
}
