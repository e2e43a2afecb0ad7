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
