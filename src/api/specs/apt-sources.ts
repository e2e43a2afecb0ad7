import { z } from 'zod';
import type { ExtraSourceView } from '../../archive/extra-sources/extra-sources.js';
import { formatTable } from '../../shared/text-table.js';
import { defineCall, queryBoolean, queryInt } from '../call.js';

const sourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'must be lower-case letters, digits, dots and dashes')
  .describe('Name of the extra source');

/** Names: repeated (`?x=a&x=b`) or separated by commas or spaces. */
function names(pattern: RegExp, message: string, what: string) {
  return z.preprocess(
    (value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((item) => (typeof item === 'string' ? item.split(/[,\s]+/) : [item]))
        .filter((item) => item !== ''),
    z.array(z.string().regex(pattern, message)).min(1, `name at least one ${what}`),
  );
}

const formatSource = (s: ExtraSourceView) =>
  [
    `${s.name}  ${s.url}  ${s.suites.join(' ')} [${s.components.join(' ')}]  priority ${s.priority}`,
    `  for ${s.distributions.join(', ')}`,
    s.unsigned
      ? '  UNSIGNED (trusted without a signature)'
      : `  key ${s.keyFingerprints.join(', ')}`,
    s.auth ? `  login ${s.auth}` : null,
  ]
    .filter(Boolean)
    .join('\n');

export const aptSourcesCall = defineCall({
  name: 'apt_sources',
  method: 'GET',
  access: 'staff',
  summary: 'List the extra apt sources builds take build-deps from',
  input: z.object({}).strict(),
  format: (sources: ExtraSourceView[]) =>
    formatTable(
      sources,
      [
        { header: 'NAME', value: (s) => s.name },
        { header: 'URL', value: (s) => s.url },
        { header: 'SUITES', value: (s) => s.suites.join(',') },
        { header: 'COMPONENTS', value: (s) => s.components.join(',') },
        { header: 'PRIO', value: (s) => s.priority, right: true },
        { header: 'KEY', value: (s) => (s.unsigned ? 'UNSIGNED' : s.keyFingerprints.join(',')) },
        { header: 'DISTRIBUTIONS', value: (s) => s.distributions.join(',') },
      ],
      'no extra apt sources; add one with debyard apt-source-add',
    ),
});

export const aptSourceAddCall = defineCall({
  name: 'apt_source_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add an apt repository as a source of build-deps',
  description:
    "Builds for the distributions named take build dependencies from this apt repository too, trusting exactly the key given (its stanza's Signed-By) and pinned at the priority given. The source is checked as apt will before it is added: each suite's InRelease must be validly signed by that key and list the components. A repository without signatures is refused unless marked --unsigned. Builds waiting for dependencies (DEPWAIT) of these distributions are tried again at once.",
  input: z
    .object({
      name: sourceName,
      url: z
        .string()
        .url('must be a URL such as http://apt.example.org/debian/')
        .regex(/^https?:\/\/[^@/]+(\/|$)/, 'must be an http:// or https:// URL without a login')
        .describe('Base URL of the repository (where dists/ is)'),
      suites: names(/^[A-Za-z0-9._/-]+$/, 'a suite is like bookworm or stable', 'suite').describe(
        'Suites (or codenames), comma-separated',
      ),
      components: names(/^[a-z0-9][a-z0-9-]*$/, 'a component is like main', 'component')
        .default(['main'])
        .describe('Components, comma-separated [default: main]'),
      distributions: names(
        /^[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/,
        'a distribution is <codename>-<repository>-<suite>, e.g. bookworm-test-unstable',
        'distribution',
      ).describe('Distributions whose builds use it, comma-separated'),
      // Nothing on standard input (an unsigned source) is no key.
      key: z
        .preprocess(
          (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
          z.string().max(1_000_000, 'at most 1 MB of key data').optional(),
        )
        .describe('The armored public key its Release is signed with [default: standard input]'),
      unsigned: queryBoolean
        .default(false)
        .describe('Trust it without any signature (apt: Trusted: yes) [default: false]'),
      priority: queryInt(-1000, 1000)
        .default(500)
        .describe('apt pin priority of its packages in builds [default: 500]'),
      login: z
        .string()
        .regex(/^\S{1,200}$/, 'must be one word')
        .optional()
        .describe('Login for HTTP basic authentication'),
      password: z
        .string()
        .regex(/^\S{1,200}$/, 'must be one word')
        .optional()
        .describe('Password for HTTP basic authentication'),
    })
    .strict()
    .refine((input) => (input.login === undefined) === (input.password === undefined), {
      message: 'give both --login and --password, or neither',
      path: ['login'],
    }),
  positional: ['name', 'url'],
  stdin: 'key',
  format: formatSource,
  examples: [
    [
      'debyard apt-source-add extras http://apt.example.org/debian/ --suites bookworm --distributions bookworm-test-unstable < extras.asc',
      'builds for bookworm-test-unstable take build-deps from extras too',
    ],
  ],
});

export const aptSourceRemoveCall = defineCall({
  name: 'apt_source_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove an extra apt source',
  input: z.object({ name: sourceName }).strict(),
  positional: ['name'],
  format: (s: ExtraSourceView) => `removed extra source ${s.name} (${s.url})`,
});
