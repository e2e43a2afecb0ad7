import type { Db } from './database.js';
import type { Session } from '../web/auth/session-records.js';

interface SessionRow {
  id: number;
  user_id: number;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

const toSession = (row: SessionRow): Session => ({
  id: row.id,
  userId: row.user_id,
  csrfToken: row.csrf_token,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
});

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  create(input: {
    userId: number;
    digest: string;
    csrfToken: string;
    now: Date;
    expiresAt: Date;
    ip: string | null;
    userAgent: string | null;
  }): Session {
    const now = input.now.toISOString();
    const row = this.db
      .prepare(
        `INSERT INTO sessions (user_id, digest, csrf_token, created_at, last_seen_at, expires_at,
           ip, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        input.userId,
        input.digest,
        input.csrfToken,
        now,
        now,
        input.expiresAt.toISOString(),
        input.ip,
        input.userAgent,
      ) as SessionRow;
    return toSession(row);
  }

  findByDigest(digest: string): Session | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE digest = ?').get(digest) as
      SessionRow | undefined;
    return row && toSession(row);
  }

  /** Records activity and moves the expiry, at most once a minute. */
  touch(id: number, now: Date, expiresAt: Date): void {
    const cutoff = new Date(now.getTime() - 60_000).toISOString();
    this.db
      .prepare(
        'UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ? AND last_seen_at < ?',
      )
      .run(now.toISOString(), expiresAt.toISOString(), id, cutoff);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  deleteForUser(userId: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }

  deleteExpired(now: Date): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now.toISOString())
      .changes;
  }
}
