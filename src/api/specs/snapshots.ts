import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { defineCall } from '../call.js';
import { distributionName } from './archive-changes.js';

export interface SnapshotView {
  repository: string;
  name: string;
  distribution: string;
  sources: number;
  binaries: number;
  automatic: boolean;
  createdAt: string;
  /** The apt repository URL of the snapshot (its `dists/<distribution>` is below it). */
  url: string;
}

const snapshotName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'must be 1-64 lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit',
  );
const repo = z.string().regex(/^[a-z0-9]+$/, 'must be a repository id, like test');

export const snapshotsCall = defineCall({
  name: 'snapshots',
  method: 'GET',
  access: 'anonymous',
  summary: 'List the snapshots of distributions, with their apt URLs',
  input: z
    .object({
      repo: repo.optional().describe('only this repository'),
      distribution: distributionName.optional().describe('only this distribution'),
    })
    .strict(),
  format: (list: SnapshotView[]) =>
    list.length === 0
      ? 'no snapshots'
      : formatTable(list, [
          { header: 'NAME', value: (s) => s.name },
          { header: 'DISTRIBUTION', value: (s) => s.distribution },
          { header: 'SOURCES', value: (s) => s.sources, right: true },
          { header: 'TAKEN', value: (s) => s.createdAt },
          { header: 'URL', value: (s) => s.url },
        ]),
});

export const snapshotCreateCall = defineCall({
  name: 'snapshot_create',
  method: 'POST',
  access: 'staff',
  summary: 'Take a named, immutable snapshot of a distribution',
  description:
    'The snapshot is served at /repos/<repo>/snapshots/<name>/ with its own signed Release; later uploads, migrations and removals never change it, and the pool keeps its files until it is deleted.',
  input: z
    .object({
      distribution: distributionName.describe('the distribution to snapshot'),
      name: snapshotName.describe('the snapshot name, unique in its repository'),
    })
    .strict(),
  positional: ['distribution', 'name'],
  format: (s: SnapshotView) =>
    `snapshot ${s.name} of ${s.distribution}: ${s.sources} sources at ${s.url}`,
  examples: [
    ['debyard snapshot-create bookworm-test-stable release-2026-03', 'freeze stable as it is'],
  ],
});

export const snapshotDeleteCall = defineCall({
  name: 'snapshot_delete',
  method: 'POST',
  access: 'admin',
  summary: 'Delete a snapshot (its URL goes away)',
  description: 'Its pool files may then be collected.',
  input: z
    .object({
      repo: repo.describe('the repository of the snapshot'),
      name: snapshotName.describe('the snapshot name'),
    })
    .strict(),
  positional: ['repo', 'name'],
  format: (s: SnapshotView) => `deleted snapshot ${s.name} of ${s.distribution}`,
});
