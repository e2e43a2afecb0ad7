import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Db } from './db-types.js';

/** One schema step, identified by a unique integer version. */
export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
}

export class SchemaTooNewError extends AppError {
  constructor(unknown: number[], known: number) {
    super(
      'conflict',
      `database has schema migration(s) ${unknown.join(', ')} that this debyard does not know (it knows up to ${known}); run a newer debyard on this home, or use another --home`,
      { details: { unknown, known } },
    );
  }
}

/**
 * Applies, in version order, every migration not yet recorded in `schema_migrations`,
 * each in its own transaction together with its record. A database that records a
 * migration this program does not know comes from a newer debyard and is refused.
 * `user_version` mirrors the highest applied version for tools like sqlite3.
 */
export function applyMigrations(db: Db, migrations: readonly Migration[], logger: Logger): void {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const versions = new Set(sorted.map((m) => m.version));
  if (versions.size !== sorted.length) {
    throw new AppError('internal', 'two schema migrations share a version number');
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => v as number),
  );
  const unknown = [...applied].filter((v) => !versions.has(v)).sort((a, b) => a - b);
  if (unknown.length > 0) throw new SchemaTooNewError(unknown, sorted.at(-1)?.version ?? 0);

  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of sorted) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      migration.up(db);
      record.run(migration.version, migration.name, new Date().toISOString());
      db.pragma(`user_version = ${Math.max(migration.version, schemaVersion(db))}`);
    }).immediate();
    logger.info('applied database migration', {
      version: migration.version,
      name: migration.name,
    });
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
