import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';
import { statementCache } from './statement-cache.js';
import type { ExtraSourceRecord } from '../archive/extra-sources/extra-source-records.js';

interface Row {
  name: string;
  url: string;
  suites: string;
  components: string;
  distributions: string;
  armored_key: string | null;
  key_fingerprints: string;
  unsigned: number;
  priority: number;
  origin: string | null;
  auth_login: string | null;
  auth_password: string | null;
  created_at: string;
}

const toRecord = (row: Row): ExtraSourceRecord => ({
  name: row.name,
  url: row.url,
  suites: JSON.parse(row.suites) as string[],
  components: JSON.parse(row.components) as string[],
  distributions: JSON.parse(row.distributions) as string[],
  armoredKey: row.armored_key,
  keyFingerprints: JSON.parse(row.key_fingerprints) as string[],
  unsigned: row.unsigned !== 0,
  priority: row.priority,
  origin: row.origin,
  auth:
    row.auth_login !== null ? { login: row.auth_login, password: row.auth_password ?? '' } : null,
  createdAt: row.created_at,
});

/** The columns a source's fields are stored in (but its name and creation time). */
const COLUMNS = [
  'url',
  'suites',
  'components',
  'distributions',
  'armored_key',
  'key_fingerprints',
  'unsigned',
  'priority',
  'origin',
  'auth_login',
  'auth_password',
] as const;

/** The values of `COLUMNS` for `source`, in their order. */
const columnValues = (source: ExtraSourceRecord) => [
  source.url,
  JSON.stringify(source.suites),
  JSON.stringify(source.components),
  JSON.stringify(source.distributions),
  source.armoredKey,
  JSON.stringify(source.keyFingerprints),
  source.unsigned ? 1 : 0,
  source.priority,
  source.origin,
  source.auth?.login ?? null,
  source.auth?.password ?? null,
];

/** The extra_sources table. */
export class ExtraSourcesRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  list(): ExtraSourceRecord[] {
    return (this.sql('SELECT * FROM extra_sources ORDER BY name').all() as Row[]).map(toRecord);
  }

  find(name: string): ExtraSourceRecord | undefined {
    const row = this.sql('SELECT * FROM extra_sources WHERE name = ?').get(name) as Row | undefined;
    return row && toRecord(row);
  }

  insert(source: ExtraSourceRecord): void {
    if (this.find(source.name)) {
      throw new ConflictError(
        `there is an extra source ${source.name} already; remove it first or choose another name`,
      );
    }
    this.sql(
      `INSERT INTO extra_sources (${COLUMNS.join(', ')}, name, created_at)
       VALUES (${COLUMNS.map(() => '?').join(', ')}, ?, ?)`,
    ).run(...columnValues(source), source.name, source.createdAt);
  }

  /** Stores `source` in place of the source of its name. */
  update(source: ExtraSourceRecord): void {
    const changed = this.sql(
      `UPDATE extra_sources SET ${COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE name = ?`,
    ).run(...columnValues(source), source.name).changes;
    if (changed === 0) throw new NotFoundError(`there is no extra source ${source.name}`);
  }

  remove(name: string): ExtraSourceRecord {
    const source = this.find(name);
    if (!source) throw new NotFoundError(`there is no extra source ${name}`);
    this.sql('DELETE FROM extra_sources WHERE name = ?').run(name);
    return source;
  }
}
