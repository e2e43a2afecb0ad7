import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { Db } from './db-types.js';
import { statementCache } from './statement-cache.js';

/** What a mirror's last update did. */
export interface MirrorCounts {
  /** Binary packages the mirror holds. */
  packages?: number;
  /** Pool files fetched by the last update (the others were held already). */
  fetched?: number;
  fetchedBytes?: number;
  /** Sources installed (new or changed) and removed by the last update. */
  installed?: number;
  removed?: number;
  /** Relations nothing in the mirrored suites satisfies (--with-deps). */
  unsatisfied?: string[];
}

/** A mirror as stored (see migration 082). */
export interface MirrorRecord {
  name: string;
  url: string;
  suites: string[];
  components: string[];
  architectures: string[];
  filter: string | null;
  withDeps: boolean;
  recommends: boolean;
  /** Null only for a mirror marked unsigned. */
  armoredKey: string | null;
  keyFingerprints: string[];
  unsigned: boolean;
  createdAt: string;
  updatedAt: string | null;
  state: 'new' | 'ok' | 'failed';
  lastError: string | null;
  counts: MirrorCounts;
}

/** A source the mirror installed into one of its distributions. */
export interface MirroredSource {
  distribution: string;
  source: string;
  version: string;
  files: string[];
}

interface Row {
  name: string;
  url: string;
  suites: string;
  components: string;
  architectures: string;
  filter: string | null;
  with_deps: number;
  recommends: number;
  armored_key: string | null;
  key_fingerprints: string;
  unsigned: number;
  created_at: string;
  updated_at: string | null;
  state: MirrorRecord['state'];
  last_error: string | null;
  counts: string;
}

const toRecord = (row: Row): MirrorRecord => ({
  name: row.name,
  url: row.url,
  suites: JSON.parse(row.suites) as string[],
  components: JSON.parse(row.components) as string[],
  architectures: JSON.parse(row.architectures) as string[],
  filter: row.filter,
  withDeps: row.with_deps !== 0,
  recommends: row.recommends !== 0,
  armoredKey: row.armored_key,
  keyFingerprints: JSON.parse(row.key_fingerprints) as string[],
  unsigned: row.unsigned !== 0,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  state: row.state,
  lastError: row.last_error,
  counts: JSON.parse(row.counts) as MirrorCounts,
});

/** The mirrors and mirror_packages tables. */
export class MirrorsRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  list(): MirrorRecord[] {
    return (this.sql('SELECT * FROM mirrors ORDER BY name').all() as Row[]).map(toRecord);
  }

  find(name: string): MirrorRecord | undefined {
    const row = this.sql('SELECT * FROM mirrors WHERE name = ?').get(name) as Row | undefined;
    return row && toRecord(row);
  }

  get(name: string): MirrorRecord {
    const mirror = this.find(name);
    if (!mirror) throw new NotFoundError(`there is no mirror ${name}`);
    return mirror;
  }

  insert(m: Omit<MirrorRecord, 'updatedAt' | 'state' | 'lastError' | 'counts'>): void {
    if (this.find(m.name)) throw new ConflictError(`there is a mirror ${m.name} already`);
    this.sql(
      `INSERT INTO mirrors (name, url, suites, components, architectures, filter, with_deps,
         recommends, armored_key, key_fingerprints, unsigned, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      m.name,
      m.url,
      JSON.stringify(m.suites),
      JSON.stringify(m.components),
      JSON.stringify(m.architectures),
      m.filter,
      m.withDeps ? 1 : 0,
      m.recommends ? 1 : 0,
      m.armoredKey,
      JSON.stringify(m.keyFingerprints),
      m.unsigned ? 1 : 0,
      m.createdAt,
    );
  }

  /** Records how an update ended. */
  finish(
    name: string,
    outcome: { at: string; state: 'ok' | 'failed'; error: string | null; counts?: MirrorCounts },
  ): void {
    this.sql(
      `UPDATE mirrors SET updated_at = ?, state = ?, last_error = ?, counts = COALESCE(?, counts)
       WHERE name = ?`,
    ).run(
      outcome.at,
      outcome.state,
      outcome.error,
      outcome.counts ? JSON.stringify(outcome.counts) : null,
      name,
    );
  }

  remove(name: string): void {
    this.sql('DELETE FROM mirror_packages WHERE mirror = ?').run(name);
    this.sql('DELETE FROM mirrors WHERE name = ?').run(name);
  }

  sources(name: string): MirroredSource[] {
    const rows = this.sql(
      'SELECT distribution, source, version, files FROM mirror_packages WHERE mirror = ? ORDER BY distribution, source',
    ).all(name) as (Omit<MirroredSource, 'files'> & { files: string })[];
    return rows.map((r) => ({ ...r, files: JSON.parse(r.files) as string[] }));
  }

  /** Replaces what the mirror holds (in the caller's transaction). */
  replaceSources(name: string, sources: readonly MirroredSource[]): void {
    this.sql('DELETE FROM mirror_packages WHERE mirror = ?').run(name);
    const insert = this.sql(
      'INSERT INTO mirror_packages (mirror, distribution, source, version, files) VALUES (?, ?, ?, ?, ?)',
    );
    for (const s of sources)
      insert.run(name, s.distribution, s.source, s.version, JSON.stringify(s.files));
  }
}
