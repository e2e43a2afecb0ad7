import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { Db } from './database.js';
import type { ChrootState, ChrootRecord, ChrootPatch } from '../chroot/chroot-records.js';

interface ChrootRow {
  id: number;
  codename: string;
  architecture: string;
  state: ChrootState;
  generation: number;
  progress: string | null;
  size_bytes: number | null;
  created_at: string;
  updated_at: string | null;
  last_error: string | null;
}

const toRecord = (row: ChrootRow): ChrootRecord => ({
  id: row.id,
  codename: row.codename,
  architecture: row.architecture,
  state: row.state,
  generation: row.generation,
  progress: row.progress,
  sizeBytes: row.size_bytes,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  lastError: row.last_error,
});

const COLUMNS: Record<keyof ChrootPatch, string> = {
  state: 'state',
  generation: 'generation',
  progress: 'progress',
  sizeBytes: 'size_bytes',
  updatedAt: 'updated_at',
  lastError: 'last_error',
};

export class ChrootsRepository {
  constructor(private readonly db: Db) {}

  find(codename: string, architecture: string): ChrootRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM chroots WHERE codename = ? AND architecture = ?')
      .get(codename, architecture) as ChrootRow | undefined;
    return row && toRecord(row);
  }

  get(id: number): ChrootRecord {
    const row = this.db.prepare('SELECT * FROM chroots WHERE id = ?').get(id) as
      ChrootRow | undefined;
    if (!row) throw new NotFoundError(`no chroot with id ${id}`);
    return toRecord(row);
  }

  list(): ChrootRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM chroots ORDER BY codename, architecture')
      .all() as ChrootRow[];
    return rows.map(toRecord);
  }

  insert(input: { codename: string; architecture: string; createdAt: Date }): ChrootRecord {
    try {
      const info = this.db
        .prepare(
          `INSERT INTO chroots (codename, architecture, state, progress, created_at)
           VALUES (?, ?, 'creating', 'starting', ?)`,
        )
        .run(input.codename, input.architecture, input.createdAt.toISOString());
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError(`chroot ${input.codename}/${input.architecture} already exists`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  update(id: number, patch: ChrootPatch): ChrootRecord {
    const keys = Object.keys(patch) as (keyof ChrootPatch)[];
    if (keys.length > 0) {
      const sets = keys.map((key) => `${COLUMNS[key]} = @${key}`).join(', ');
      const info = this.db
        .prepare(`UPDATE chroots SET ${sets} WHERE id = @id`)
        .run({ ...patch, id });
      if (info.changes === 0) throw new NotFoundError(`no chroot with id ${id}`);
    }
    return this.get(id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM chroots WHERE id = ?').run(id);
  }
}
