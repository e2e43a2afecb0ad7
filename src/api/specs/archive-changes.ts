import { z } from 'zod';
import { defineCall } from '../call.js';

/** One change an archive operation made. */
export interface ChangeView {
  source: string;
  version: string;
  distribution: string;
  changed: boolean;
}

export const sourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.+-]+$/, 'must be a source package name, like hello')
  .describe('source package name');

export const distributionName = z
  .string()
  .regex(
    /^[a-z][a-z0-9]*-[a-z0-9]+-[a-z]+(-rollback\d{1,3})?$/,
    'must be a distribution name <codename>-<repository>-<suite>, like bookworm-test-unstable',
  );

export const suiteDistribution = z
  .string()
  .regex(
    /^[a-z][a-z0-9]*-[a-z0-9]+-[a-z]+$/,
    'must be a suite distribution <codename>-<repository>-<suite>, like bookworm-test-unstable (not a rollback)',
  );

const debianVersion = z
  .string()
  .regex(/^(\d+:)?[A-Za-z0-9.+~-]+$/, 'must be a Debian version, like 1.0-1~test12+1');

export const migrateCall = defineCall({
  name: 'migrate',
  method: 'POST',
  access: 'staff',
  summary: 'Migrate a package to the next suite (--full: the chain)',
  description:
    "Copies the version in the distribution to the suite its layout migrates to (unstable → testing → stable in the default layout); the target's previous version moves into its rollbacks. A suite whose distribution runs a test check in errfail mode takes only versions whose builds passed it (or skipped it); --force (admin) migrates anyway, recorded in the MIGRATED event.",
  input: z
    .object({
      package: sourceName,
      distribution: suiteDistribution.describe('where the version is now'),
      full: z.boolean().default(false).describe('migrate along the whole chain, not just one step'),
      force: z
        .boolean()
        .default(false)
        .describe('migrate even if its tests failed (admin; recorded in the event)'),
    })
    .strict(),
  positional: ['package', 'distribution'],
  format: (o: { changes: ChangeView[] }) =>
    o.changes.map((c) => `${c.source} ${c.version} migrated to ${c.distribution}`).join('\n'),
  examples: [
    ['debyard migrate hello bookworm-test-unstable', 'unstable → testing'],
    ['debyard migrate hello bookworm-test-unstable --full', 'unstable → testing → stable'],
  ],
});

export const removeCall = defineCall({
  name: 'remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove a package (with its binaries) from a distribution',
  description:
    'From a suite, the version moves into its first rollback (restore brings it back) unless --no-rollback is given; from a rollback distribution it is gone.',
  input: z
    .object({
      package: sourceName,
      distribution: distributionName.describe('the distribution to remove it from'),
      rollback: z
        .boolean()
        .default(true)
        .describe('keep the removed version in the rollbacks (--no-rollback: remove for good)'),
    })
    .strict(),
  positional: ['package', 'distribution'],
  format: (c: ChangeView & { keptIn: string | null }) =>
    `${c.source} ${c.version} removed from ${c.distribution}${c.keptIn ? ` (kept in ${c.keptIn})` : ''}`,
});

export const restoreCall = defineCall({
  name: 'restore',
  method: 'POST',
  access: 'staff',
  summary: 'Put a version back from the rollbacks into its suite',
  description:
    "Restores the newest rollback (rollback0) unless --version or a -rollbackN distribution is given; the suite's current version moves into rollback0.",
  input: z
    .object({
      package: sourceName,
      distribution: distributionName.describe('the suite, or one of its -rollbackN distributions'),
      version: debianVersion.optional().describe('the version to restore'),
    })
    .strict(),
  positional: ['package', 'distribution'],
  format: (c: ChangeView) => `${c.source} ${c.version} restored in ${c.distribution}`,
  examples: [['debyard restore hello bookworm-test-unstable', 'back to the previous version']],
});

/** Where an import goes: the repository and one of its distributions. */
const importTarget = {
  repository: z
    .string()
    .regex(/^[a-z0-9]+$/, 'a repository id is lower-case letters and digits')
    .describe('The repository'),
  distribution: z
    .string()
    .regex(/^[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/, 'a distribution is <codename>-<repository>-<suite>')
    .describe('The distribution, e.g. bookworm-test-unstable'),
};

/** What import_debs put into a distribution. */
export interface ImportDebsOutput {
  distribution: string;
  packages: { source: string; version: string; files: string[]; changed: boolean }[];
}

export const importDebsCall = defineCall({
  name: 'import_debs',
  method: 'POST',
  access: 'admin',
  summary: 'Import existing .debs and .dsc files into a suite',
  description:
    "Paths are absolute paths on the daemon's host: .deb, .udeb, .dsc and .changes files, or folders (searched through). Every file is checked first: each .deb's control data and contents, each .dsc with the size and checksums of the files it names (beside it), the checksums of the files a .changes lists. Any problem — all are listed — imports nothing. Then every package goes in at once (one install, one publish); the version rules of the archive hold (higher than the suite's, new to the repository), not the upload version policy.",
  input: z
    .object({
      ...importTarget,
      paths: z
        .preprocess(
          (v) => (Array.isArray(v) ? v : [v]),
          z
            .array(z.string().min(1, 'must not be empty'))
            .min(1, 'name at least one file or folder'),
        )
        .describe("Files or folders (absolute paths on the daemon's host)"),
      component: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]*$/, 'a component is like main')
        .optional()
        .describe("The component [default: the distribution's first]"),
    })
    .strict(),
  positional: ['repository', 'distribution', 'paths'],
  format: (o: ImportDebsOutput) =>
    o.packages
      .map(
        (p) =>
          `${p.changed ? 'imported' : 'already there:'} ${p.source} ${p.version} into ${o.distribution} (${p.files.join(', ')})`,
      )
      .join('\n'),
  examples: [
    [
      'debyard import-debs test bookworm-test-stable /srv/old-repo/pool',
      'every package of a folder into a suite',
    ],
  ],
});

export const importRepoCall = defineCall({
  name: 'import_repo',
  method: 'POST',
  access: 'admin',
  summary: 'Import a published apt tree (reprepro, aptly) to a suite',
  description:
    "FROM is the published tree (where dists/ is): an absolute path on the daemon's host or an http(s) URL. Its suite's Release (with --key: its InRelease, verified with that key), the Packages and Sources indices it lists and every file they name are checked against the SHA256 sums each states; then all of it is imported as import-debs does: versions as they are, nothing on any problem.",
  input: z
    .object({
      ...importTarget,
      from: z.string().min(1, 'must not be empty').describe('The published tree: a path or URL'),
      suite: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, 'a suite is like bookworm or stable')
        .describe('Its suite (or codename) to take'),
      components: z
        .preprocess(
          (v) =>
            (Array.isArray(v) ? v : [v])
              .flatMap((item) => (typeof item === 'string' ? item.split(/[,\s]+/) : [item]))
              .filter((item) => item !== ''),
          z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a component is like main')),
        )
        .optional()
        .describe('Its components to take [default: all]'),
      key: z
        .preprocess(
          (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
          z.string().max(1_000_000, 'at most 1 MB of key data').optional(),
        )
        .describe('The armored key its InRelease is signed with [default: standard input]'),
    })
    .strict(),
  positional: ['repository', 'distribution', 'from'],
  stdin: 'key',
  format: (o: ImportDebsOutput) =>
    o.packages
      .map(
        (p) =>
          `${p.changed ? 'imported' : 'already there:'} ${p.source} ${p.version} into ${o.distribution}`,
      )
      .join('\n'),
  examples: [
    [
      'debyard import-repo test bookworm-test-stable /srv/aptly/public --suite bookworm < key.asc',
      'an aptly-published suite into a suite, its signature checked',
    ],
  ],
});
