import { z } from 'zod';
import { ROLES, type Role } from '../user-records.js';
import { formatTable } from '../../shared/text-table.js';
import { defineCall } from '../call.js';

export const userName = z
  .string()
  .regex(
    /^[a-z][a-z0-9._-]{0,31}$/,
    'must be 1-32 lower-case letters, digits, dots, dashes or underscores, starting with a letter',
  );

const role = z.enum(ROLES, {
  errorMap: () => ({ message: `must be one of ${ROLES.join(', ')}` }),
});

export interface UserView {
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  tokens: number;
}

export interface AddedUser extends UserView {
  /** The generated password, when none was given: shown in this answer only. */
  password?: string;
}

const formatUser = (u: UserView) =>
  `${u.name}: role ${u.role}${u.disabled ? ', disabled' : ''}, created ${u.createdAt}`;

export const usersCall = defineCall({
  name: 'users',
  method: 'GET',
  access: 'admin',
  summary: 'List the users',
  input: z.object({}).strict(),
  format: (users: UserView[]) =>
    formatTable(users, [
      { header: 'NAME', value: (u) => u.name },
      { header: 'ROLE', value: (u) => u.role },
      { header: 'DISABLED', value: (u) => u.disabled },
      { header: 'TOKENS', value: (u) => u.tokens, right: true },
      { header: 'CREATED', value: (u) => u.createdAt },
    ]),
});

export const userAddCall = defineCall({
  name: 'user_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a user (a random password unless one is given)',
  input: z
    .object({
      name: userName.describe('User name'),
      role: role.default('login').describe('login, staff or admin'),
      password: z
        .string()
        .min(10, 'must be at least 10 characters')
        .max(200, 'at most 200 characters')
        .optional()
        .describe('Password [default: generated and shown once]'),
    })
    .strict(),
  positional: ['name'],
  format: (u: AddedUser) =>
    [formatUser(u), ...(u.password ? [`password (shown once): ${u.password}`] : [])].join('\n'),
});

export const userRoleCall = defineCall({
  name: 'user_role',
  method: 'POST',
  access: 'admin',
  summary: "Change a user's role",
  input: z
    .object({ name: userName.describe('User name'), role: role.describe('New role') })
    .strict(),
  positional: ['name', 'role'],
  format: formatUser,
});

export const userDisableCall = defineCall({
  name: 'user_disable',
  method: 'POST',
  access: 'admin',
  summary: 'Disable a user: their sessions end, tokens stop working',
  input: z.object({ name: userName.describe('User name') }).strict(),
  positional: ['name'],
  format: formatUser,
});

export const userEnableCall = defineCall({
  name: 'user_enable',
  method: 'POST',
  access: 'admin',
  summary: 'Enable a disabled user again',
  input: z.object({ name: userName.describe('User name') }).strict(),
  positional: ['name'],
  format: formatUser,
});
