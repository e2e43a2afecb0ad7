import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { Db } from './database.js';
import type { Role, User } from '../api/user-records.js';

interface UserRow {
  id: number;
  name: string;
  role: Role;
  password_hash: string | null;
  disabled: number;
  created_at: string;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  name: row.name,
  role: row.role,
  passwordHash: row.password_hash,
  disabled: row.disabled !== 0,
  createdAt: row.created_at,
});

export class UsersRepository {
  constructor(private readonly db: Db) {}

  create(input: { name: string; role: Role; passwordHash: string | null; createdAt: Date }): User {
    try {
      const info = this.db
        .prepare('INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(input.name, input.role, input.passwordHash, input.createdAt.toISOString());
      return this.get(Number(info.lastInsertRowid));
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError(`user "${input.name}" already exists`, { cause: error });
      }
      throw error;
    }
  }

  get(id: number): User {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    if (!row) throw new NotFoundError(`no user with id ${id}`);
    return toUser(row);
  }

  findByName(name: string): User | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as
      UserRow | undefined;
    return row && toUser(row);
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(toUser);
  }

  setPasswordHash(id: number, passwordHash: string): void {
    const info = this.db
      .prepare('UPDATE users SET password_hash = ? WHERE id = ?')
      .run(passwordHash, id);
    if (info.changes === 0) throw new NotFoundError(`no user with id ${id}`);
  }

  setRole(id: number, role: Role): void {
    const info = this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, id);
    if (info.changes === 0) throw new NotFoundError(`no user with id ${id}`);
  }

  setDisabled(id: number, disabled: boolean): void {
    const info = this.db
      .prepare('UPDATE users SET disabled = ? WHERE id = ?')
      .run(disabled ? 1 : 0, id);
    if (info.changes === 0) throw new NotFoundError(`no user with id ${id}`);
  }

  /** How many enabled users have the admin role. */
  countActiveAdmins(): number {
    return this.db
      .prepare("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0")
      .pluck()
      .get() as number;
  }
}
