import BetterSqlite3 from 'better-sqlite3';
import { AppError, InvalidInputError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { applyMigrations, type Migration } from './migrations.js';
import { MIGRATIONS } from './migrations/index.js';

export type { Db } from './db-types.js';
import type { Db } from './db-types.js';

export interface OpenDatabaseOptions {
  logger: Logger;
  /** Defaults to the built-in migrations; tests pass their own lists. */
  migrations?: readonly Migration[];
  readonly?: boolean;
}

/**
 * Opens (creating if needed) the SQLite database in WAL mode and brings its schema up
 * to date. A corrupt file or a schema newer than this program is a clear error.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions): Db {
  let db: Db;
  try {
    db = new BetterSqlite3(file, { readonly: options.readonly ?? false });
  } catch (error) {
    throw new AppError('internal', `cannot open database ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // 4 MiB of pages per connection (better-sqlite3 builds SQLite with 16): the kernel's page
    // cache holds the file anyway, and a bulk install's transaction filled all 16 at the
    // peak of the daemon's memory.
    db.pragma('cache_size = -4096');
    applyMigrations(db, options.migrations ?? MIGRATIONS, options.logger);
    return db;
  } catch (error) {
    db.close();
    if (
      (error as { code?: string }).code === 'SQLITE_NOTADB' ||
      (error as { code?: string }).code === 'SQLITE_CORRUPT'
    ) {
      throw new InvalidInputError(
        `database ${file} is corrupt or not an SQLite database (${(error as Error).message}); restore it from a backup or move it away to start with an empty one`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Runs `fn` in an IMMEDIATE transaction (takes the write lock at once). */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
