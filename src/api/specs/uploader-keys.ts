import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { commaList, defineCall } from '../call.js';

/** An uploader key as the API shows it. */
export interface UploaderKeyView {
  fingerprint: string;
  userIds: string[];
  /** The user who added it; null for keys no user owns. */
  owner: string | null;
  comment: string;
  /** The repositories it may upload to (an admin grants them). */
  repositories: string[];
  /** Those it may also upload binary packages to (key-permit --binary). */
  binaryRepositories: string[];
  addedAt: string;
}

/** A primary key fingerprint; spaces and case do not matter. */
export const fingerprint = z
  .string()
  .transform((value) => value.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase())
  .pipe(
    z
      .string()
      .regex(
        /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/,
        'must be the 40 (or 64) hex digit fingerprint of the primary key, as gpg --fingerprint shows it',
      ),
  )
  .describe('Fingerprint of the primary key');

/** Repository ids: repeated (`?repositories=a&repositories=b`) or comma-separated. */
export const repositoryList = z.preprocess(
  commaList(),
  z
    .array(z.string().regex(/^[a-z0-9]+$/, 'a repository id is lower-case letters and digits'))
    .min(1, 'name at least one repository'),
);

const keyTable = (keys: UploaderKeyView[], owner: boolean) =>
  formatTable(
    keys,
    [
      { header: 'FINGERPRINT', value: (k: UploaderKeyView) => k.fingerprint },
      ...(owner ? [{ header: 'OWNER', value: (k: UploaderKeyView) => k.owner }] : []),
      {
        header: 'REPOSITORIES',
        value: (k) => k.repositories.map((r) => withBinary(k, r)).join(','),
      },
      { header: 'USER ID', value: (k) => k.userIds[0] },
    ],
    'no keys',
  );

/** `test` or, where the key may upload binary packages too, `test+binary`. */
const withBinary = (k: UploaderKeyView, repository: string) =>
  k.binaryRepositories.includes(repository) ? `${repository}+binary` : repository;

const formatKey = (k: UploaderKeyView) =>
  `${k.fingerprint} ${k.userIds[0] ?? ''}: uploads to ${k.repositories.map((r) => withBinary(k, r)).join(', ') || 'no repository yet'}`;

export const keysCall = defineCall({
  name: 'keys',
  method: 'GET',
  access: 'login',
  summary: 'List your OpenPGP uploader keys and where each may upload',
  input: z.object({}).strict(),
  format: (keys: UploaderKeyView[]) => keyTable(keys, false),
});

export const keyAddCall = defineCall({
  name: 'key_add',
  method: 'POST',
  access: 'login',
  summary: 'Add your OpenPGP public key for signing uploads',
  description:
    'An admin then lets it upload to repositories (key-permit). Give the armored public key as the argument, or pipe it in: gpg --export --armor KEYID | debyard key-add. Adding a key you added before merges the new copy (new subkeys, user ids, expiry, revocations) and keeps its repositories.',
  input: z
    .object({
      key: z
        .string()
        .min(1, 'must not be empty')
        .max(1_000_000, 'at most 1 MB of key data')
        .describe('The armored public key [default: read from standard input]'),
      comment: z
        .string()
        .trim()
        .max(200, 'at most 200 characters')
        .optional()
        .describe('A note, e.g. the machine the key lives on'),
    })
    .strict(),
  positional: ['key'],
  stdin: 'key',
  format: (keys: UploaderKeyView[]) => keys.map(formatKey).join('\n'),
  examples: [['gpg --export --armor 0x5A1F90C2 | debyard key-add', 'add your key']],
});

export const keyRemoveCall = defineCall({
  name: 'key_remove',
  method: 'POST',
  access: 'login',
  summary: 'Remove one of your uploader keys (admins: any key)',
  input: z.object({ fingerprint }).strict(),
  positional: ['fingerprint'],
  format: (o: { removed: string }) => `removed key ${o.removed}`,
});

export const keyPermissionsCall = defineCall({
  name: 'key_permissions',
  method: 'GET',
  access: 'admin',
  summary: 'List every uploader key, its owner and repositories',
  input: z
    .object({
      repo: z
        .string()
        .regex(/^[a-z0-9]+$/, 'a repository id, like test')
        .optional()
        .describe('Only keys that may upload to this repository'),
    })
    .strict(),
  format: (keys: UploaderKeyView[]) => keyTable(keys, true),
});

export const keyPermitCall = defineCall({
  name: 'key_permit',
  method: 'POST',
  access: 'admin',
  summary: 'Let an uploader key upload to more repositories',
  input: z
    .object({
      fingerprint,
      repositories: repositoryList.describe('Repository ids (repeat or separate by commas)'),
      binary: z
        .boolean()
        .default(false)
        .describe(
          'Also let it upload binary packages there (.deb files installed without a build)',
        ),
    })
    .strict(),
  positional: ['fingerprint', 'repositories'],
  format: formatKey,
  examples: [
    ['debyard key-permit 0123…CDEF test,main', 'the key may upload to test and main'],
    ['debyard key-permit 0123…CDEF test --binary', 'and binary packages to test'],
  ],
});

export const keyForbidCall = defineCall({
  name: 'key_forbid',
  method: 'POST',
  access: 'admin',
  summary: 'Stop an uploader key from uploading to some repositories',
  input: z
    .object({
      fingerprint,
      repositories: repositoryList.describe('Repository ids (repeat or separate by commas)'),
      binary: z
        .boolean()
        .default(false)
        .describe('Take only the right to upload binary packages there'),
    })
    .strict(),
  positional: ['fingerprint', 'repositories'],
  format: formatKey,
});
