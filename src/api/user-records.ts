// Users, their roles and their API tokens as stored (db/users-repository.ts,
// db/tokens-repository.ts); the calls' access levels are these roles.

export const ROLES = ['login', 'staff', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export interface User {
  id: number;
  name: string;
  role: Role;
  passwordHash: string | null;
  disabled: boolean;
  createdAt: string;
}

/** An API token as stored: never the secret itself, only its digest and a prefix. */
export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  /** The first characters of the secret, to recognise it in lists. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}
