import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { commaList, defineCall, queryInt } from '../call.js';
import { sourceName, suiteDistribution } from './archive-changes.js';

/** An upload the daemon made itself (a port, a keyring or test package) and its fate. */
export interface InternalUploadView {
  source: string;
  version: string;
  distribution: string;
  /** The incoming's decision: ACCEPTED or REJECTED (PENDING: not decided in time). */
  state: 'ACCEPTED' | 'REJECTED' | 'PENDING';
  uploadId: number | null;
  reasons: string[];
  changes: string;
}

export interface TestPackageView extends InternalUploadView {
  /** The last step it got to: the incoming's decision, then INSTALLED, FAILED, … */
  result: string;
  expected: string;
  ok: boolean;
}

const list = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(commaList(), z.array(item).min(1, 'name at least one'));

const targets = list(suiteDistribution).describe(
  'distributions to port to, comma-separated (uploadable suites)',
);

const formatUploads = (uploads: InternalUploadView[]) =>
  formatTable(uploads, [
    { header: 'SOURCE', value: (u) => u.source },
    { header: 'VERSION', value: (u) => u.version },
    { header: 'DISTRIBUTION', value: (u) => u.distribution },
    { header: 'UPLOAD', value: (u) => u.uploadId ?? '-' },
    { header: 'STATE', value: (u) => [u.state, ...u.reasons].join('; ') },
  ]);

export const portCall = defineCall({
  name: 'port',
  method: 'POST',
  access: 'staff',
  summary: 'Rebuild a package unchanged for other distributions',
  description:
    "Unpacks the version in the distribution, adds a changelog entry with the target's version (~<repo><codeversion>+<n>, the lowest n the target takes) and uploads it, signed with the daemon's key and made for the calling user (whose role may upload to every repository), into the incoming: it is built and installed as any upload. The answer is the incoming's decision for each target.",
  input: z
    .object({
      package: sourceName,
      distribution: suiteDistribution.describe('where the version to port is'),
      to: targets,
    })
    .strict(),
  positional: ['package', 'distribution', 'to'],
  format: formatUploads,
  examples: [
    ['debyard port hello bookworm-test-unstable trixie-test-unstable', 'bookworm → trixie'],
  ],
});

export const portExtCall = defineCall({
  name: 'port_ext',
  method: 'POST',
  access: 'staff',
  summary: 'Port a package from outside (a .dsc by URL, or uploaded)',
  description:
    'Downloads the .dsc and the files it lists over http(s) (its files from beside it, or from --files-url for an uploaded .dsc), checking each against the sizes and SHA-256 checksums the .dsc states, within ports.max_download_size; then ports it as the port call does.',
  input: z
    .object({
      url: z.string().max(2000).optional().describe('http(s) URL of the .dsc'),
      dsc: z
        .string()
        .max(1024 * 1024)
        .optional()
        .describe('the text of the .dsc (instead of its URL)'),
      files_url: z
        .string()
        .max(2000)
        .optional()
        .describe('http(s) URL of the folder holding the files of an uploaded .dsc'),
      to: targets,
    })
    .strict()
    .superRefine((input, ctx) => {
      if ((input.url === undefined) === (input.dsc === undefined)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['url'],
          message: 'give either the URL of a .dsc or the .dsc itself',
        });
      }
      if (input.dsc !== undefined && input.files_url === undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['files_url'],
          message: 'an uploaded .dsc needs the URL of the folder holding its files',
        });
      }
    }),
  positional: ['url', 'to'],
  format: formatUploads,
  examples: [
    [
      'debyard port-ext https://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3.dsc bookworm-test-unstable',
      'build Debian’s hello for bookworm-test-unstable',
    ],
  ],
});

export const keyringPackageCall = defineCall({
  name: 'keyring_package',
  method: 'POST',
  access: 'admin',
  summary: 'Build and install the archive keyring package',
  description:
    "Makes the keyring package <identity>-archive-keyring (the archive key in /usr/share/keyrings, deb822 sources of every suite) and <identity>-<repo>-apt-source (which enables them) for each distribution, and uploads them into each repository's first uploadable suite.",
  input: z
    .object({
      repo: z
        .string()
        .regex(/^[a-z0-9]+$/, 'must be a repository id, like test')
        .optional()
        .describe('only this repository (default: all)'),
    })
    .strict(),
  positional: ['repo'],
  format: formatUploads,
});

export const testPackagesCall = defineCall({
  name: 'test_packages',
  method: 'POST',
  access: 'staff',
  summary: 'Upload the built-in test packages, report on each',
  description:
    'debyard-test-all (Architecture: all), debyard-test-any (a C program) and debyard-test-ftbfs (fails to build on purpose) go through the whole pipeline; --wait waits that many seconds for their builds to end.',
  input: z
    .object({
      distribution: suiteDistribution.describe('an uploadable suite, e.g. bookworm-test-unstable'),
      packages: list(z.enum(['debyard-test-all', 'debyard-test-any', 'debyard-test-ftbfs']))
        .optional()
        .describe('only these, comma-separated'),
      wait: queryInt(0, 3600).default(0).describe('seconds to wait for the builds to end'),
    })
    .strict(),
  positional: ['distribution'],
  format: (outcomes: TestPackageView[]) =>
    formatTable(outcomes, [
      { header: 'SOURCE', value: (u) => u.source },
      { header: 'VERSION', value: (u) => u.version },
      { header: 'UPLOAD', value: (u) => u.uploadId ?? '-' },
      { header: 'RESULT', value: (u) => u.result },
      { header: 'EXPECTED', value: (u) => (u.ok ? 'yes' : `no (${u.expected})`) },
    ]),
});
