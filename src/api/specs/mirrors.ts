import { z } from 'zod';
import type { MirrorView } from '../../archive/mirrors/mirrors.js';
import { formatTable } from '../../shared/text-table.js';
import {
  KEY_FROM_STDIN,
  names,
  repositoryKey,
  repositoryUrl,
  suiteNames,
} from '../apt-repository-fields.js';
import { defineCall, queryBoolean } from '../call.js';

const mirrorName = z
  .string()
  .regex(/^[a-z0-9]{1,32}$/, 'must be 1-32 lower-case letters and digits (it names its repository)')
  .describe('Name of the mirror (and of the repository it is published as)');

const counts = (m: MirrorView) =>
  m.state === 'new'
    ? 'never updated'
    : `${m.counts.packages ?? 0} packages, last update fetched ${m.counts.fetched ?? 0} files`;

const formatMirror = (m: MirrorView) =>
  [
    `${m.name}  ${m.url}  ${m.suites.join(' ')} [${m.components.join(' ')}] ${m.architectures.join(' ')}`,
    m.filter ? `  filter ${m.filter}${m.withDeps ? ' (with dependencies)' : ''}` : null,
    m.unsigned
      ? '  UNSIGNED (trusted without a signature)'
      : `  key ${m.keyFingerprints.join(', ')}`,
    `  published as ${m.distributions.join(', ')}`,
    `  ${m.state}: ${counts(m)}${m.lastError ? ` — ${m.lastError}` : ''}`,
    ...(m.counts.unsatisfied ?? []).map((u) => `  unsatisfied: ${u}`),
  ]
    .filter(Boolean)
    .join('\n');

export const mirrorsCall = defineCall({
  name: 'mirrors',
  method: 'GET',
  access: 'staff',
  summary: 'List the mirrors of apt repositories outside',
  input: z.object({}).strict(),
  format: (mirrors: MirrorView[]) =>
    formatTable(
      mirrors,
      [
        { header: 'NAME', value: (m) => m.name },
        { header: 'URL', value: (m) => m.url },
        { header: 'SUITES', value: (m) => m.suites.join(',') },
        {
          header: 'FILTER',
          value: (m) => (m.filter ? `${m.filter}${m.withDeps ? ' +deps' : ''}` : '*'),
        },
        { header: 'STATE', value: (m) => m.state },
        { header: 'PACKAGES', value: (m) => m.counts.packages ?? 0, right: true },
        { header: 'UPDATED', value: (m) => m.updatedAt ?? '-' },
      ],
      'no mirrors; add one with debyard mirror-add',
    ),
});

export const mirrorAddCall = defineCall({
  name: 'mirror_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a mirror of an apt repository (update fetches it)',
  description:
    "The mirror is published as a repository of its own name (/repos/<name>/, distribution <suite>-<name>-mirror per suite), signed with the archive key. Its Release files must be validly signed by the key given (InRelease, or Release with Release.gpg), unless it is marked --unsigned. --filter takes aptly's package queries: names, `Priority (required) | nginx`, `Package (% lib*)`, `Section (~ regex)`, version relations (`nginx (>= 1.22)`), `,` for and, `!` for not; --with-deps adds what the filtered packages depend on (Depends, Pre-Depends; --recommends too) within the mirrored suites. --sources (or source among the architectures, as aptly's -with-sources) mirrors source packages too (.dsc and its files, checked against the signed Sources): every source, or with --filter those of the packages taken, when Sources has the version the binaries were built from. Nothing is fetched until mirror-update.",
  input: z
    .object({
      name: mirrorName,
      url: repositoryUrl('http://deb.example.org/debian/'),
      suites: suiteNames(),
      components: names(/^[a-z][a-z0-9-]{0,31}$/, 'a component is like main', 'component')
        .default(['main'])
        .describe('Components, comma-separated [default: main]'),
      architectures: names(
        /^[a-z0-9][a-z0-9-]{0,31}$/,
        'an architecture is like amd64',
        'architecture',
      ).describe('Architectures, comma-separated (source: source packages too)'),
      sources: queryBoolean
        .default(false)
        .describe('Source packages too, as with source among the architectures [default: false]'),
      filter: z
        .string()
        .min(1, 'must not be empty')
        .max(4000, 'at most 4000 characters')
        .optional()
        .describe("Only packages this query takes (aptly's syntax) [default: all]"),
      with_deps: queryBoolean
        .default(false)
        .describe('Add what the filtered packages depend on [default: false]'),
      recommends: queryBoolean
        .default(false)
        .describe('With --with-deps, follow Recommends too [default: false]'),
      key: repositoryKey().describe(KEY_FROM_STDIN),
      unsigned: queryBoolean
        .default(false)
        .describe('Trust it without any signature [default: false]'),
    })
    .strict(),
  positional: ['name', 'url'],
  stdin: 'key',
  format: formatMirror,
  examples: [
    [
      "debyard mirror-add web http://deb.debian.org/debian/ --suites bookworm --architectures amd64 --filter 'nginx' --with-deps < debian.asc",
      'nginx and what it needs, from bookworm',
    ],
  ],
});

export const mirrorUpdateCall = defineCall({
  name: 'mirror_update',
  method: 'POST',
  access: 'admin',
  summary: 'Fetch what changed in a mirror and publish it',
  description:
    "Verifies the Release files, fetches the indices (checked against their Release; by hash when it says Acquire-By-Hash: yes), fetches only the pool files not held yet (each checked against its size and SHA256), then installs what changed and removes what went, in the mirror's repository. Progress shows as MIRROR events. A bad signature, a truncated file or a checksum that does not match ends the update with its reason and leaves the published mirror as it was; files fetched whole are kept for the next try.",
  input: z.object({ name: mirrorName }).strict(),
  positional: ['name'],
  format: formatMirror,
});

export const mirrorRemoveCall = defineCall({
  name: 'mirror_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove a mirror, its repository and its files',
  input: z.object({ name: mirrorName }).strict(),
  positional: ['name'],
  format: (m: MirrorView) => `removed mirror ${m.name} (${m.url})`,
});

export const MIRROR_CALLS = [mirrorsCall, mirrorAddCall, mirrorUpdateCall, mirrorRemoveCall];
