import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { defineCall, queryBoolean } from '../call.js';

/** An archive key as the calls show it. */
export interface ArchiveKeyView {
  fingerprint: string;
  algorithm: string;
  userId: string | null;
  /** primary: signs and is the key; retiring: still signs (a rotation); retired: kept only. */
  state: 'primary' | 'retiring' | 'retired';
  /** Whether Release files are signed with it now. */
  signing: boolean;
  created: string;
  /** null: never expires. */
  expires: string | null;
  /** Whole days until it expires (negative: expired); null: never expires. */
  daysLeft: number | null;
  /** When a retiring key stops signing; null: by hand (key-retire). */
  retireAt: string | null;
  /** The public key, armored. */
  publicKey: string;
}

const WHEN = 'a date (2027-06-30 or ISO 8601 time) or a time from now: 90d, 12w, 6m (months), 2y';

const fingerprint = z
  .string()
  .regex(/^(0x)?[0-9A-Fa-f]{16}([0-9A-Fa-f]{24})?$/, 'expected a fingerprint or long key id')
  .transform((v) => v.replace(/^0x/, '').toUpperCase());

const passphrase = z.string().min(1).max(1024);

const keyLine = (k: ArchiveKeyView) =>
  `${k.fingerprint} ${k.algorithm} ${k.state}${k.expires ? `, expires ${k.expires.slice(0, 10)}` : ''}`;

export const archiveKeysCall = defineCall({
  name: 'archive_keys',
  method: 'GET',
  access: 'anonymous',
  summary: "The archive's signing keys and their expiry",
  description:
    'The primary key signs Release files; after key-rotate the previous key signs them too (state retiring) until it is retired, by hand (key-retire) or at its date.',
  input: z.object({}).strict(),
  format: (keys: ArchiveKeyView[]) =>
    formatTable(
      keys,
      [
        { header: 'FINGERPRINT', value: (k) => k.fingerprint },
        { header: 'ALGORITHM', value: (k) => k.algorithm },
        { header: 'STATE', value: (k) => k.state },
        { header: 'SIGNS', value: (k) => (k.signing ? 'yes' : 'no') },
        { header: 'EXPIRES', value: (k) => k.expires?.slice(0, 10) ?? 'never' },
        { header: 'DAYS LEFT', value: (k) => k.daysLeft, right: true },
        { header: 'RETIRES', value: (k) => k.retireAt?.slice(0, 10) ?? '' },
      ],
      'no keys',
    ),
});

export const keyImportCall = defineCall({
  name: 'key_import',
  method: 'POST',
  access: 'admin',
  summary: 'Make an armored secret key the archive key',
  description:
    'The key (e.g. gpg --export-secret-keys --armor FPR) becomes the primary archive key; the previous key keeps signing Release files with it until it is retired (--retire-at, or key-retire), or retires at once with --replace. A passphrase unlocks the key once and is kept nowhere; the key is stored unprotected, readable by the daemon only.',
  input: z
    .object({
      key: z
        .string()
        .min(1)
        .max(1024 * 1024)
        .describe('The armored secret key (or standard input)'),
      passphrase: passphrase.optional().describe('The passphrase protecting the key, if any'),
      replace: queryBoolean.default(false).describe('Retire the previous key at once'),
      retire_at: z.string().optional().describe(`When the previous key stops signing: ${WHEN}`),
    })
    .strict(),
  positional: ['key'],
  stdin: 'key',
  format: (k: ArchiveKeyView) => `imported ${keyLine(k)}`,
  examples: [['gpg --export-secret-keys --armor 0x5A1F90C2 | debyard key-import', 'bring a key']],
});

export const keyExportCall = defineCall({
  name: 'key_export',
  method: 'POST',
  access: 'admin',
  summary: 'Back up an archive secret key (armored)',
  description:
    'Prints the secret key, protected by --passphrase when given. Every export is recorded as an event naming who exported which key.',
  input: z
    .object({
      fingerprint: fingerprint.optional().describe('Which key [default: the primary key]'),
      passphrase: passphrase.optional().describe('Protect the exported key with this passphrase'),
    })
    .strict(),
  positional: ['fingerprint'],
  format: (o: { fingerprint: string; armored: string }) => o.armored.trimEnd(),
  examples: [['debyard key-export > archive-key.asc', 'back up the primary key']],
});

export const keyExtendCall = defineCall({
  name: 'key_extend',
  method: 'POST',
  access: 'admin',
  summary: 'Give an archive key a new expiry date (same key)',
  description: `The key keeps its fingerprint; clients that refresh it (pub_key, the keyring package, which is uploaded again) trust it until the new date. --expires: ${WHEN}, or never.`,
  input: z
    .object({
      expires: z.string().min(1).describe('The new expiry date, or never'),
      fingerprint: fingerprint.optional().describe('Which key [default: the primary key]'),
    })
    .strict(),
  positional: ['expires'],
  format: (k: ArchiveKeyView) => `extended ${keyLine(k)}`,
  examples: [['debyard key-extend 2y', 'the primary key expires in two years']],
});

export const keyRotateCall = defineCall({
  name: 'key_rotate',
  method: 'POST',
  access: 'admin',
  summary: 'Generate a new archive key; both sign meanwhile',
  description:
    'The new key becomes the primary key. Until the previous key is retired (--retire-at, or key-retire), Release files carry a signature of each key, so clients that trust either one update; the keyring package (uploaded again) ships both.',
  input: z
    .object({
      algorithm: z.enum(['ed25519', 'rsa4096']).default('ed25519').describe('ed25519 or rsa4096'),
      expires: z.string().optional().describe(`When the new key expires [default: never]: ${WHEN}`),
      retire_at: z.string().optional().describe(`When the previous key stops signing: ${WHEN}`),
    })
    .strict(),
  format: (k: ArchiveKeyView) => `new primary key ${keyLine(k)}`,
  examples: [['debyard key-rotate --retire-at 90d', 'new key; old one signs for 90 days']],
});

export const keyRetireCall = defineCall({
  name: 'key_retire',
  method: 'POST',
  access: 'admin',
  summary: 'Stop signing with the previous archive key',
  input: z.object({ fingerprint: fingerprint.describe('The retiring key') }).strict(),
  positional: ['fingerprint'],
  format: (k: ArchiveKeyView) => `retired ${keyLine(k)}`,
});

export const ARCHIVE_KEY_CALLS = [
  archiveKeysCall,
  keyImportCall,
  keyExportCall,
  keyExtendCall,
  keyRotateCall,
  keyRetireCall,
] as const;
