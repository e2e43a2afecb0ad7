import { z } from 'zod';
import { defineCall } from '../call.js';

export interface PackageVersionRow {
  source: string;
  repository: string;
  distribution: string;
  version: string;
  component: string;
  binaries: { package: string; version: string; architecture: string; path: string }[];
  /**
   * Architectures of the distribution its Architecture field allows that have no binaries
   * of this version (`all`: its arch:all packages), e.g. a build that failed while the
   * others installed, or an architecture added later (build-missing builds them).
   */
  missingArchitectures: string[];
}

const packageName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.+-]*$/, 'a source or binary package name, like hello')
  .describe('source or binary package name');
const repo = z
  .string()
  .regex(/^[a-z0-9]+$/, 'a repository id, like test')
  .optional()
  .describe('only this repository');

export const lsCall = defineCall({
  name: 'ls',
  method: 'GET',
  access: 'anonymous',
  summary: 'List the versions of a package in every distribution',
  input: z.object({ package: packageName, repo }).strict(),
  positional: ['package'],
  format: (o: { versions: PackageVersionRow[] }) =>
    o.versions.length === 0
      ? 'not in any distribution'
      : o.versions.map((v) => `${v.source} ${v.version} ${v.distribution}`).join('\n'),
  examples: [['debyard ls hello', 'where is hello, in which versions']],
});

export const showCall = defineCall({
  name: 'show',
  method: 'GET',
  access: 'anonymous',
  summary: 'Show every version of a package, with its binaries',
  description:
    'Each version names the architectures it has no binaries for although its Architecture field and its distribution want them (missing: a build that failed while the others installed, or an architecture added later; build-missing builds them).',
  input: z.object({ package: packageName, repo }).strict(),
  positional: ['package'],
  format: (o: { versions: PackageVersionRow[] }) =>
    o.versions.length === 0
      ? 'not in any distribution'
      : o.versions
          .map((v) =>
            [
              `${v.source} ${v.version} in ${v.distribution} (${v.component})`,
              ...v.binaries.map((b) => `  ${b.package} ${b.version} ${b.architecture}`),
              ...(v.missingArchitectures.length > 0
                ? [`  missing: ${v.missingArchitectures.join(', ')} (no binaries of this version)`]
                : []),
            ].join('\n'),
          )
          .join('\n'),
});

export const searchCall = defineCall({
  name: 'search',
  method: 'GET',
  access: 'anonymous',
  summary: 'Search source and binary package names (* wildcards)',
  input: z
    .object({
      pattern: z.string().min(1).max(100).describe('part of a package name; * matches anything'),
    })
    .strict(),
  positional: ['pattern'],
  format: (o: { matches: { name: string; kind: string }[] }) =>
    o.matches.map((m) => `${m.name} (${m.kind})`).join('\n') || 'no match',
});

export const sourcesListCall = defineCall({
  name: 'sources_list',
  method: 'GET',
  access: 'anonymous',
  summary: 'The deb822 .sources stanza of a repository suite',
  description:
    'The archive key is inline, as Signed-By. Plain text for clients that do not ask for JSON, so `curl URL > /etc/apt/sources.list.d/x.sources` works.',
  input: z
    .object({
      repo: z
        .string()
        .regex(/^[a-z0-9]+$/)
        .default('test')
        .describe('repository id'),
      suite: z
        .string()
        .regex(/^[a-z]+$/)
        .default('unstable')
        .describe('suite, e.g. unstable'),
      codename: z
        .string()
        .regex(/^[a-z0-9]+$/)
        .optional()
        .describe('default: the first one'),
      rollbacks: z
        .preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number().int().min(0).max(50))
        .default(0)
        .describe('also list this many rollback distributions'),
    })
    .strict(),
  format: (o: { sources: string }) => o.sources.trimEnd(),
  examples: [['debyard sources-list --repo test --suite unstable', 'apt source for unstable']],
});

export const pubKeyCall = defineCall({
  name: 'pub_key',
  method: 'GET',
  access: 'anonymous',
  summary: "The archive's public OpenPGP key (armored)",
  description: 'Plain text for clients that do not ask for JSON.',
  input: z.object({}).strict(),
  format: (o: { armored: string }) => o.armored.trimEnd(),
});
