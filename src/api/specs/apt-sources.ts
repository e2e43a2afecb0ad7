import { z } from 'zod';
import type { ExtraSourceView } from '../../archive/extra-sources/extra-sources.js';
import { formatTable } from '../../shared/text-table.js';
import {
  KEY_FROM_STDIN,
  names,
  repositoryKey,
  repositoryUrl,
  suiteNames,
} from '../apt-repository-fields.js';
import { defineCall, queryBoolean, queryInt } from '../call.js';

const sourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'must be lower-case letters, digits, dots and dashes')
  .describe('Name of the extra source');

const sourceUrl = repositoryUrl('http://apt.example.org/debian/');
const sourceSuites = suiteNames();
const componentNames = names(/^[a-z0-9][a-z0-9-]*$/, 'a component is like main', 'component');
const distributionNames = names(
  /^[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/,
  'a distribution is <codename>-<repository>-<suite>, e.g. bookworm-test-unstable',
  'distribution',
).describe('Distributions whose builds use it, comma-separated');
// Nothing on standard input (an unsigned source, or an update keeping its key) is no key.
const sourceKey = repositoryKey();
const pinPriority = queryInt(-1000, 1000);
const authWord = z.string().regex(/^\S{1,200}$/, 'must be one word');
const bothOrNeither = (input: { login?: string; password?: string }) =>
  (input.login === undefined) === (input.password === undefined);
const LOGIN_PAIR = { message: 'give both --login and --password, or neither', path: ['login'] };

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
      url: sourceUrl,
      suites: sourceSuites,
      components: componentNames
        .default(['main'])
        .describe('Components, comma-separated [default: main]'),
      distributions: distributionNames,
      key: sourceKey.describe(KEY_FROM_STDIN),
      unsigned: queryBoolean
        .default(false)
        .describe('Trust it without any signature (apt: Trusted: yes) [default: false]'),
      priority: pinPriority
        .default(500)
        .describe('apt pin priority of its packages in builds [default: 500]'),
      login: authWord.optional().describe('Login for HTTP basic authentication'),
      password: authWord.optional().describe('Password for HTTP basic authentication'),
    })
    .strict()
    .refine(bothOrNeither, LOGIN_PAIR),
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

export const aptSourceUpdateCall = defineCall({
  name: 'apt_source_update',
  method: 'POST',
  access: 'admin',
  summary: 'Change an extra apt source (checked again as on add)',
  description:
    "Changes what is given and keeps the rest. The source as changed is checked as apt will before anything is stored, exactly as apt_source_add checks it: each suite's InRelease must be validly signed by its key (the new one given, or the one it has) and list the components. A key given replaces its key; --unsigned marks it unsigned (it then takes no key). Builds waiting for dependencies (DEPWAIT) of its distributions are tried again at once. A refused change changes nothing.",
  input: z
    .object({
      name: sourceName,
      url: sourceUrl.optional(),
      suites: sourceSuites.optional(),
      components: componentNames.optional().describe('Components, comma-separated'),
      distributions: distributionNames.optional(),
      key: sourceKey.describe(
        'A new armored public key its Release is signed with [default: standard input; none: keep its key]',
      ),
      unsigned: queryBoolean
        .optional()
        .describe('true: trust it without any signature; false: it needs a key'),
      priority: pinPriority.optional().describe('apt pin priority of its packages in builds'),
      login: authWord.optional().describe('New login for HTTP basic authentication'),
      password: authWord.optional().describe('New password for HTTP basic authentication'),
    })
    .strict()
    .refine(bothOrNeither, LOGIN_PAIR),
  positional: ['name'],
  stdin: 'key',
  format: formatSource,
  examples: [
    [
      'debyard apt-source-update extras --priority 600 --distributions bookworm-test-unstable,bookworm-test-hotfix < /dev/null',
      'keeps its key, checks it again and changes priority and distributions',
    ],
    [
      'debyard apt-source-update extras < new-key.asc',
      'its repository is signed with a new key now',
    ],
  ],
});
