import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { defineCall, queryInt, type Access } from '../call.js';
import { userName } from './users.js';

export interface WhoamiOutput {
  user: string;
  role: Access;
  via: 'token' | 'session';
  tokenId: number | null;
}

export interface TokenView {
  id: number;
  name: string;
  /** The first characters of the secret, to recognise it. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedToken extends TokenView {
  user: string;
  /** The secret: shown in this answer only. */
  token: string;
}

export const whoamiCall = defineCall({
  name: 'whoami',
  method: 'GET',
  access: 'login',
  summary: 'Show the user and role these credentials have',
  input: z.object({}).strict(),
  format: (o: WhoamiOutput) =>
    `${o.user} (${o.role}), authenticated by ${o.via === 'token' ? `token ${o.tokenId}` : 'session'}`,
});

export const tokenCreateCall = defineCall({
  name: 'token_create',
  method: 'POST',
  access: 'anonymous',
  summary: 'Create an API token (user and password, or for yourself)',
  description:
    'Without --user/--password the token is for the user already authenticated by --token. The secret is shown once; only its digest is stored. `debyard login` does this and stores the token.',
  input: z
    .object({
      user: userName.optional().describe('User name (with --password)'),
      password: z.string().min(1, 'must not be empty').optional().describe('Password'),
      name: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(64, 'at most 64 characters')
        .default('api')
        .describe('A label to recognise the token by, e.g. the host it is used on'),
      expires_days: queryInt(1, 3650)
        .optional()
        .describe('Expire after this many days [default: never]'),
    })
    .strict()
    .refine((input) => (input.user === undefined) === (input.password === undefined), {
      message: 'give both user and password, or neither',
      path: ['password'],
    }),
  format: (t: CreatedToken) =>
    [
      `token ${t.id} "${t.name}" for ${t.user}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}:`,
      t.token,
      'It is shown only this once.',
    ].join('\n'),
});

export const tokensCall = defineCall({
  name: 'tokens',
  method: 'GET',
  access: 'login',
  summary: 'List your API tokens',
  input: z.object({}).strict(),
  format: (tokens: TokenView[]) =>
    formatTable(
      tokens,
      [
        { header: 'ID', value: (t) => t.id, right: true },
        { header: 'NAME', value: (t) => t.name },
        { header: 'PREFIX', value: (t) => `${t.prefix}…` },
        { header: 'CREATED', value: (t) => t.createdAt },
        { header: 'LAST USED', value: (t) => t.lastUsedAt },
        { header: 'EXPIRES', value: (t) => t.expiresAt ?? 'never' },
      ],
      'no tokens',
    ),
});

export const tokenRevokeCall = defineCall({
  name: 'token_revoke',
  method: 'POST',
  access: 'login',
  summary: 'Revoke one of your API tokens',
  input: z.object({ id: queryInt(1).describe('The token id (see debyard tokens)') }).strict(),
  positional: ['id'],
  format: (o: { revoked: number }) => `revoked token ${o.revoked}`,
});
