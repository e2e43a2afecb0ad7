import { NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';
import type { UploaderKeyRecord } from '../incoming/uploader-key-records.js';

interface KeyRow {
  fingerprint: string;
  armored: string;
  user_ids: string;
  owner_id: number | null;
  comment: string;
  added_at: string;
}

/** Uploader keys and the repositories each may upload to. */
export class UploaderKeysRepository {
  constructor(private readonly db: Db) {}

  /** Inserts or replaces a key and its repository list. */
  save(key: UploaderKeyRecord): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO uploader_keys (fingerprint, armored, user_ids, owner_id, comment, added_at)
           VALUES (@fingerprint, @armored, @user_ids, @owner_id, @comment, @added_at)
           ON CONFLICT (fingerprint) DO UPDATE SET armored = excluded.armored,
             user_ids = excluded.user_ids, owner_id = excluded.owner_id, comment = excluded.comment`,
        )
        .run({
          fingerprint: key.fingerprint,
          armored: key.armored,
          user_ids: JSON.stringify(key.userIds),
          owner_id: key.ownerId,
          comment: key.comment,
          added_at: key.addedAt,
        });
      this.db
        .prepare('DELETE FROM uploader_key_repositories WHERE fingerprint = ?')
        .run(key.fingerprint);
      const insert = this.db.prepare(
        'INSERT INTO uploader_key_repositories (fingerprint, repository, binary) VALUES (?, ?, ?)',
      );
      const binary = new Set(key.binaryRepositories ?? []);
      for (const repository of new Set(key.repositories)) {
        insert.run(key.fingerprint, repository, binary.has(repository) ? 1 : 0);
      }
    })();
  }

  find(fingerprint: string): UploaderKeyRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM uploader_keys WHERE fingerprint = ?')
      .get(fingerprint) as KeyRow | undefined;
    return row && this.withRepositories(row);
  }

  list(): UploaderKeyRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM uploader_keys ORDER BY added_at, fingerprint')
      .all() as KeyRow[];
    return rows.map((row) => this.withRepositories(row));
  }

  /** The keys allowed to upload to a repository. */
  forRepository(repository: string): UploaderKeyRecord[] {
    const rows = this.db
      .prepare(
        `SELECT k.* FROM uploader_keys k
           JOIN uploader_key_repositories r ON r.fingerprint = k.fingerprint
         WHERE r.repository = ? ORDER BY k.fingerprint`,
      )
      .all(repository) as KeyRow[];
    return rows.map((row) => this.withRepositories(row));
  }

  remove(fingerprint: string): void {
    const info = this.db
      .prepare('DELETE FROM uploader_keys WHERE fingerprint = ?')
      .run(fingerprint);
    if (info.changes === 0) throw new NotFoundError(`there is no uploader key ${fingerprint}`);
  }

  private withRepositories(row: KeyRow): UploaderKeyRecord {
    const rights = this.db
      .prepare(
        'SELECT repository, binary FROM uploader_key_repositories WHERE fingerprint = ? ORDER BY repository',
      )
      .all(row.fingerprint) as { repository: string; binary: number }[];
    const repositories = rights.map((r) => r.repository);
    return {
      fingerprint: row.fingerprint,
      armored: row.armored,
      userIds: JSON.parse(row.user_ids) as string[],
      ownerId: row.owner_id,
      comment: row.comment,
      repositories,
      binaryRepositories: rights.filter((r) => r.binary === 1).map((r) => r.repository),
      addedAt: row.added_at,
    };
  }
}
