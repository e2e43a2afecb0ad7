import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from './db-types.js';

/**
 * Prepares each SQL text once per connection: preparing is what costs on hot paths (a bulk
 * install runs the same statements thousands of times). A statement keeps its pluck mode,
 * so one SQL text must always be used the same way.
 */
export function statementCache(db: Db): (sql: string) => BetterSqlite3.Statement {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
}
