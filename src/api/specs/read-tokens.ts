import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { defineCall, queryInt } from '../call.js';

/** A read token as listed: never its secret. */
export interface ReadTokenView {
  id: number;
  repository: string;
  name: string;
  /** The user name of HTTP basic auth (apt's auth.conf.d `login`). */
  login: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A new read token: the secret is shown this once. */
export interface CreatedReadToken extends ReadTokenView {
  password: string;
  /** The file for apt: /etc/apt/auth.conf.d/<name>.conf (mode 0600). */
  authConf: string;
  authConfFile: string;
}

const repo = z.string().regex(/^[a-z0-9]+$/, 'a repository id: lower-case letters and digits');

export const readTokenCreateCall = defineCall({
  name: 'read_token_create',
  method: 'POST',
  access: 'admin',
  summary: 'Make a read token for a private repository',
  description:
    'Prints the file apt reads it from: put it in /etc/apt/auth.conf.d/ (mode 0600, owned by root). The secret is shown only now; only its digest is stored. --expires: a date (2027-06-30) or a time from now (90d, 12w, 6m, 2y).',
  input: z
    .object({
      repo: repo.describe('The private repository'),
      name: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .default('apt')
        .describe('What it is for (a host name)'),
      expires: z.string().optional().describe('When it stops working [default: never]'),
    })
    .strict(),
  positional: ['repo'],
  format: (t: CreatedReadToken) =>
    `# ${t.authConfFile} (chmod 600); the password is shown only now\n${t.authConf.trimEnd()}`,
  examples: [
    ['debyard read-token-create team --name build-host-1 --expires 1y', 'a token for a host'],
  ],
});

export const readTokensCall = defineCall({
  name: 'read_tokens',
  method: 'GET',
  access: 'admin',
  summary: 'List the read tokens of private repositories',
  input: z.object({ repo: repo.optional().describe('Only those of this repository') }).strict(),
  format: (tokens: ReadTokenView[]) =>
    formatTable(
      tokens,
      [
        { header: 'ID', value: (t) => t.id, right: true },
        { header: 'REPOSITORY', value: (t) => t.repository },
        { header: 'NAME', value: (t) => t.name },
        { header: 'LOGIN', value: (t) => t.login },
        { header: 'EXPIRES', value: (t) => t.expiresAt?.slice(0, 10) ?? 'never' },
        { header: 'REVOKED', value: (t) => t.revokedAt?.slice(0, 19) ?? '' },
        { header: 'LAST USED', value: (t) => t.lastUsedAt?.slice(0, 19) ?? '' },
      ],
      'no read tokens',
    ),
});

export const readTokenRevokeCall = defineCall({
  name: 'read_token_revoke',
  method: 'POST',
  access: 'admin',
  summary: 'Revoke a read token at once',
  input: z.object({ id: queryInt(1).describe('The token id (see read-tokens)') }).strict(),
  positional: ['id'],
  format: (t: ReadTokenView) => `revoked read token ${t.id} (${t.login}) of ${t.repository}`,
});

export const READ_TOKEN_CALLS = [readTokenCreateCall, readTokensCall, readTokenRevokeCall] as const;
