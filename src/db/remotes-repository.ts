import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { Db } from './database.js';
import type {
  RemoteState,
  RemoteRecord,
  NewRemote,
  RemoteCheckPatch,
} from '../remote/remote-records.js';

interface RemoteRow {
  id: number;
  name: string;
  host: string;
  port: number;
  user: string;
  key_file: string;
  key_uploaded: number;
  host_key_algorithm: string;
  host_key_fingerprint: string;
  host_key: string;
  api_host: string;
  api_port: number;
  token: string;
  capacity: number | null;
  state: RemoteState;
  status: string | null;
  last_check_at: string | null;
  last_up_at: string | null;
  last_error: string | null;
  created_at: string;
}

const toRecord = (row: RemoteRow): RemoteRecord => ({
  id: row.id,
  name: row.name,
  host: row.host,
  port: row.port,
  user: row.user,
  keyFile: row.key_file,
  keyUploaded: row.key_uploaded === 1,
  hostKey: {
    algorithm: row.host_key_algorithm,
    fingerprint: row.host_key_fingerprint,
    key: row.host_key,
  },
  apiHost: row.api_host,
  apiPort: row.api_port,
  token: row.token,
  capacity: row.capacity,
  state: row.state,
  statusJson: row.status,
  lastCheckAt: row.last_check_at,
  lastUpAt: row.last_up_at,
  lastError: row.last_error,
  createdAt: row.created_at,
});

export class RemotesRepository {
  constructor(private readonly db: Db) {}

  list(): RemoteRecord[] {
    return (this.db.prepare('SELECT * FROM remotes ORDER BY name').all() as RemoteRow[]).map(
      toRecord,
    );
  }

  find(name: string): RemoteRecord | undefined {
    const row = this.db.prepare('SELECT * FROM remotes WHERE name = ?').get(name) as
      RemoteRow | undefined;
    return row && toRecord(row);
  }

  get(name: string): RemoteRecord {
    const record = this.find(name);
    if (!record) {
      const known = this.list().map((r) => r.name);
      throw new NotFoundError(
        `there is no remote peer ${name} (known: ${known.join(', ') || 'none'}); add it with debyard remote-add`,
      );
    }
    return record;
  }

  insert(remote: NewRemote): RemoteRecord {
    try {
      this.db
        .prepare(
          `INSERT INTO remotes (name, host, port, user, key_file, key_uploaded,
             host_key_algorithm, host_key_fingerprint, host_key, api_host, api_port, token,
             capacity, state, status, last_check_at, last_up_at, created_at)
           VALUES (@name, @host, @port, @user, @keyFile, @keyUploaded, @algorithm, @fingerprint,
             @key, @apiHost, @apiPort, @token, @capacity, @state, @statusJson, @lastCheckAt,
             @lastCheckAt, @createdAt)`,
        )
        .run({
          ...remote,
          ...remote.hostKey,
          keyUploaded: remote.keyUploaded ? 1 : 0,
          createdAt: remote.createdAt.toISOString(),
        });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError(`a remote peer named ${remote.name} exists already`, {
          cause: error,
        });
      }
      throw error;
    }
    return this.get(remote.name);
  }

  /** Records the outcome of a health check. */
  recordCheck(id: number, patch: RemoteCheckPatch): void {
    this.db
      .prepare(
        `UPDATE remotes SET state = @state, last_check_at = @lastCheckAt, last_error = @lastError,
           status = COALESCE(@statusJson, status), last_up_at = COALESCE(@lastUpAt, last_up_at)
         WHERE id = @id`,
      )
      .run({ statusJson: null, lastUpAt: null, ...patch, id });
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM remotes WHERE id = ?').run(id);
  }
}
