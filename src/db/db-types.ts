import type BetterSqlite3 from 'better-sqlite3';

/** An open database connection. */
export type Db = BetterSqlite3.Database;
