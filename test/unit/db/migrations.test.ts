import { writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { SchemaTooNewError, schemaVersion, type Migration } from '../../../src/db/migrations.js';
import { MIGRATIONS } from '../../../src/db/migrations/index.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

const m = (version: number, sql: string): Migration => ({
  version,
  name: `m${version}`,
  up: (db) => db.exec(sql),
});
const open = (file: string, migrations: Migration[]) =>
  openDatabase(file, { logger: silentLogger, migrations });

describe('database migrations', () => {
  it('creates the built-in schema in WAL mode', () => {
    const file = path.join(tempDir(), 'd.db');
    const db = openDatabase(file, { logger: silentLogger });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('cache_size', { simple: true })).toBe(-4096);
    expect(schemaVersion(db)).toBe(Math.max(...MIGRATIONS.map((x) => x.version)));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['meta', 'users', 'events', 'schema_migrations']),
    );
    db.close();
  });

  it('migrates a database from an older schema, keeping its data', () => {
    const file = path.join(tempDir(), 'd.db');
    const v1 = [m(1, 'CREATE TABLE t (a TEXT)')];
    let db = open(file, v1);
    db.prepare("INSERT INTO t VALUES ('kept')").run();
    db.close();

    db = open(file, [...v1, m(2, 'ALTER TABLE t ADD COLUMN b TEXT'), m(3, "UPDATE t SET b = 'x'")]);
    expect(db.prepare('SELECT a, b FROM t').get()).toEqual({ a: 'kept', b: 'x' });
    expect(schemaVersion(db)).toBe(3);
    db.close();
  });

  it('applies a late migration with a lower number that was not applied yet', () => {
    const file = path.join(tempDir(), 'd.db');
    open(file, [m(1, 'CREATE TABLE a (x)'), m(20, 'CREATE TABLE c (x)')]).close();
    const db = open(file, [
      m(1, 'CREATE TABLE a (x)'),
      m(11, 'CREATE TABLE b (x)'),
      m(20, 'CREATE TABLE c (x)'),
    ]);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get()).toBe(1);
    expect(schemaVersion(db)).toBe(20);
    db.close();
  });

  it('rolls back a failing migration whole', () => {
    const file = path.join(tempDir(), 'd.db');
    expect(() =>
      open(file, [
        m(1, 'CREATE TABLE ok (x)'),
        m(2, 'CREATE TABLE half (x); SELECT * FROM nonexistent'),
      ]),
    ).toThrow(/no such table/);
    const db = new BetterSqlite3(file);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toContain('ok');
    expect(tables).not.toContain('half');
    db.close();
  });

  it('refuses a database from a newer debyard', () => {
    const file = path.join(tempDir(), 'd.db');
    open(file, [m(1, 'CREATE TABLE a (x)'), m(2, 'CREATE TABLE b (x)')]).close();
    let error: unknown;
    try {
      open(file, [m(1, 'CREATE TABLE a (x)')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect((error as Error).message).toMatch(
      /migration\(s\) 2 that this debyard does not know .*run a newer debyard/,
    );
  });

  it('explains a corrupt database file', () => {
    const file = path.join(tempDir(), 'd.db');
    writeFileSync(file, 'this is not a database, just some text that is long enough '.repeat(100));
    expect(() => openDatabase(file, { logger: silentLogger })).toThrow(InvalidInputError);
    expect(() => openDatabase(file, { logger: silentLogger })).toThrow(
      /is corrupt or not an SQLite database.*restore it from a backup/,
    );
  });
});
