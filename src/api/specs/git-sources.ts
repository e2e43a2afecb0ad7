import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { commaList, defineCall, queryInt } from '../call.js';
import type { GitBuildRecord, GitSourceRecord } from '../../own-uploads/git/git-source-records.js';
import { suiteDistribution } from './archive-changes.js';

/**
 * A git source as the API shows it: the stored record without its id, secret and status
 * token (the secret is shown only when the source is made), with where its webhook posts.
 */
export type GitSourceView = Omit<GitSourceRecord, 'id' | 'secret' | 'status'> & {
  /** Where commit statuses go (the token is never shown). */
  statusForge: NonNullable<GitSourceRecord['status']>['forge'] | null;
  statusUrl: string | null;
  /** Where the forge's webhook posts to. */
  webhook: string;
};

/** A git build as the API shows it: the stored record, its source named. */
export type GitBuildView = Omit<GitBuildRecord, 'sourceId' | 'sourceName'> & { source: string };

const gitSourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be a name like hello or team.tool (a-z, 0-9, . _ -)')
  .describe('name of the git source');

const branchList = z
  .preprocess(commaList(), z.array(z.string().min(1).max(200)).max(20))
  .optional()
  .describe('branches (or patterns) that build snapshots, comma-separated, e.g. debian/latest');

const buildTable = (list: GitBuildView[]) =>
  list.length === 0
    ? 'no git builds'
    : formatTable(list, [
        { header: 'ID', value: (b) => b.id, right: true },
        { header: 'SOURCE', value: (b) => b.source },
        { header: 'REF', value: (b) => b.ref },
        { header: 'COMMIT', value: (b) => b.commit?.slice(0, 12) ?? '-' },
        { header: 'STATE', value: (b) => b.state },
        { header: 'UPLOAD', value: (b) => b.uploadId ?? '-' },
        { header: 'VERSION', value: (b) => [b.package, b.version].filter(Boolean).join(' ') },
        { header: 'ERROR', value: (b) => b.error ?? '' },
      ]);

export const gitSourceAddCall = defineCall({
  name: 'git_source_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a git repository whose pushes become uploads',
  description:
    "A push of a matching tag (--tags 'debian/*') builds the version debian/changelog names; a push to a listed branch builds a snapshot <version>+git<date>.<hash> (kept under the suite's ~<repo><codeversion>+<n>). Builds start from the forge's webhook (POST /api/v1/git_hook/<name>, signed with the secret shown now), from polling every --poll-minutes, or by hand (git-build). With --layout upstream-tag or pristine-tar the ref is a DEP-14 packaging branch of a 3.0 (quilt) source: its upstream tarball is git archive of the upstream tag (--upstream-tag, gbp's upstream/%(version)s by default) or the one the pristine-tar branch regenerates (pristine-tar runs in the build sandbox, never on the host). With --layout watch uscan downloads it as debian/watch says, in the build sandbox too, and only from below the --orig-url-prefix URLs given here (the watch page and the tarball; everything else is refused and noted in the GIT event); a signature is checked against debian/upstream/signing-key.asc, else the event records the tarball's SHA256. The upload is signed by the daemon for the admin who added the source, or with --signing-key by a key of its own (a secret key an admin put into <home>/keys/signing/ whose public half is an uploader key): the incoming then judges that key as the uploader. For an ssh URL the daemon makes a deploy key: add its public half to the forge, read-only.",
  input: z
    .object({
      name: gitSourceName,
      url: z
        .string()
        .min(1)
        .max(2000)
        .describe('https://…, ssh://… or user@host:path, or a local path'),
      tags: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe("tag pattern that builds, e.g. 'debian/*'"),
      branches: branchList,
      distribution: suiteDistribution
        .optional()
        .describe('where uploads go (default: what debian/changelog names)'),
      layout: z
        .enum(['native', 'upstream-tag', 'pristine-tar', 'watch'])
        .default('native')
        .describe(
          'native: debian/ in the upstream tree; upstream-tag, pristine-tar, watch: a DEP-14 packaging branch whose .orig.tar.* is git archive of the upstream tag, what pristine-tar recorded, or what uscan downloads (debian/watch)',
        ),
      orig_url_prefix: z
        .preprocess(commaList(), z.array(z.string().min(1).max(2000)).min(1).max(20))
        .optional()
        .describe(
          'watch layout: URL prefixes uscan may download from, comma-separated, e.g. https://download.example.org/hello/',
        ),
      upstream_tag: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe("the upstream tags, %(version)s the version (default 'upstream/%(version)s')"),
      signing_key: z
        .string()
        .regex(/^[0-9A-Fa-f ]{40,80}$/, 'must be a key fingerprint (hex)')
        .optional()
        .describe(
          'fingerprint of the key signing its uploads: the instance key (default) or a secret key in <home>/keys/signing/ that is an uploader key',
        ),
      poll_minutes: queryInt(0, 7 * 24 * 60)
        .default(0)
        .describe('poll with git ls-remote every N minutes (0: never)'),
      secret: z
        .string()
        .min(16, 'must be at least 16 characters')
        .max(200)
        .optional()
        .describe('the webhook secret (default: a random one, shown in the answer)'),
      status_forge: z
        .enum(['github', 'gitea', 'gitlab'])
        .optional()
        .describe('send commit statuses to this kind of forge'),
      status_url: z
        .string()
        .max(2000)
        .optional()
        .describe(
          "the repository's API URL: https://api.github.com/repos/O/R, …/api/v1/repos/O/R, …/api/v4/projects/ID",
        ),
      status_token: z
        .string()
        .min(1)
        .max(500)
        .optional()
        .describe('API token that may set commit statuses'),
    })
    .strict()
    .superRefine((input, ctx) => {
      const given = [input.status_forge, input.status_url, input.status_token].filter(
        (v) => v !== undefined,
      ).length;
      if (given !== 0 && given !== 3) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['status_url'],
          message: 'commit statuses need all three of status_forge, status_url and status_token',
        });
      }
    }),
  positional: ['name', 'url'],
  format: (s: GitSourceView & { secret: string }) =>
    [
      `git source ${s.name} added for ${s.url}`,
      `webhook: ${s.webhook} (content type application/json)`,
      `secret (shown once): ${s.secret}`,
      ...(s.deployKey ? [`deploy key (add it to the forge, read-only): ${s.deployKey}`] : []),
    ].join('\n'),
  examples: [
    [
      "debyard git-source-add hello https://git.example.org/hello.git --tags 'debian/*'",
      'build every debian/<version> tag',
    ],
    [
      "debyard git-source-add tool https://git.example.org/tool.git --tags 'debian/*' --layout pristine-tar",
      'a DEP-14 repository with a pristine-tar branch',
    ],
    [
      "debyard git-source-add tool https://git.example.org/tool.git --tags 'debian/*' --layout watch --orig-url-prefix https://download.example.org/tool/",
      'upstream tarballs downloaded as debian/watch says',
    ],
  ],
});

export const gitSourcesCall = defineCall({
  name: 'git_sources',
  method: 'GET',
  access: 'staff',
  summary: 'List the git repositories the daemon builds from',
  input: z.object({}).strict(),
  format: (list: GitSourceView[]) =>
    list.length === 0
      ? 'no git sources'
      : formatTable(list, [
          { header: 'NAME', value: (s) => s.name },
          { header: 'URL', value: (s) => s.url },
          { header: 'TAGS', value: (s) => s.tags ?? '-' },
          { header: 'BRANCHES', value: (s) => s.branches.join(',') || '-' },
          { header: 'DISTRIBUTION', value: (s) => s.distribution ?? '(changelog)' },
          { header: 'LAYOUT', value: (s) => s.layout },
          { header: 'POLL', value: (s) => (s.pollMinutes ? `${s.pollMinutes}m` : '-') },
        ]),
});

export const gitSourceRemoveCall = defineCall({
  name: 'git_source_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove a git source, its cache and deploy key',
  input: z.object({ name: gitSourceName }).strict(),
  positional: ['name'],
  format: (s: GitSourceView) => `git source ${s.name} removed`,
});

export const gitBuildCall = defineCall({
  name: 'git_build',
  method: 'POST',
  access: 'staff',
  summary: 'Make an upload from a tag or branch of a git source',
  description:
    'Fetches the ref, makes the source package in a sandbox and uploads it into the incoming for the calling user; the answer is the git build with the incoming’s decision (a branch gets a snapshot version).',
  input: z
    .object({
      name: gitSourceName,
      ref: z.string().min(1).max(250).describe('tag or branch, e.g. debian/1.0-1 or debian/latest'),
    })
    .strict(),
  positional: ['name', 'ref'],
  format: (b: GitBuildView) => buildTable([b]),
  examples: [['debyard git-build hello debian/1.0-1', 'upload the tag debian/1.0-1']],
});

export const gitBuildsCall = defineCall({
  name: 'git_builds',
  method: 'GET',
  access: 'staff',
  summary: 'List git builds: ref, commit, state and upload',
  input: z
    .object({
      name: gitSourceName.optional().describe('only builds of this git source'),
      limit: queryInt(1, 1000).default(50).describe('at most this many, newest first'),
    })
    .strict(),
  positional: ['name'],
  format: buildTable,
});

export const gitSourcePollCall = defineCall({
  name: 'git_source_poll',
  method: 'POST',
  access: 'staff',
  summary: 'Poll a git source now; build new or moved refs',
  input: z.object({ name: gitSourceName }).strict(),
  positional: ['name'],
  format: (builds: number[]) =>
    builds.length === 0 ? 'nothing new to build' : `git builds started: ${builds.join(', ')}`,
});
