import { z } from 'zod';
import { formatTable } from '../../shared/text-table.js';
import { defineCall, queryBoolean } from '../call.js';

/** What build-missing scheduled (or would, on a dry run) and what it left out. */
export interface BuildMissingView {
  scheduled: {
    source: string;
    version: string;
    distribution: string;
    architectures: string[];
    archAll: boolean;
    /** The upload that builds them; null on a dry run. */
    uploadId: number | null;
  }[];
  skipped: { source: string; version: string; reason: string }[];
  dryRun: boolean;
}

export const buildMissingCall = defineCall({
  name: 'build_missing',
  method: 'POST',
  access: 'staff',
  summary: 'Build what the suites lack for some architecture',
  description:
    "For every source version the distribution's suites hold, schedules a build for each of its architectures that the .dsc's Architecture field allows but that has no binaries of that version (an architecture added later, a build that failed while the rest installed); Architecture: all packages count once, on the distribution's arch:all architecture. Builds already on their way (an upload in flight) are not scheduled twice. Each source version becomes one upload the daemon makes from the pool's files, built and installed as any upload; its new binaries join the version every suite holding it shares.",
  input: z
    .object({
      repo: z
        .string()
        .regex(/^[a-z0-9]{1,32}$/, 'must be 1-32 lower-case letters and digits, like test')
        .describe('Repository id'),
      codename: z
        .string()
        .regex(/^[a-z][a-z0-9]{1,31}$/, 'must be a codename such as bookworm')
        .describe('Its distribution (codename), e.g. bookworm'),
      architecture: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be a Debian architecture such as arm64')
        .optional()
        .describe('Only builds for this architecture'),
      dry_run: queryBoolean.default(false).describe('Say what would be built; build nothing'),
    })
    .strict(),
  positional: ['repo', 'codename'],
  format: (r: BuildMissingView) =>
    [
      r.scheduled.length === 0
        ? 'nothing is missing'
        : formatTable(r.scheduled, [
            { header: 'SOURCE', value: (s) => s.source },
            { header: 'VERSION', value: (s) => s.version },
            { header: 'DISTRIBUTION', value: (s) => s.distribution },
            {
              header: 'ARCHITECTURES',
              value: (s) =>
                s.architectures.map((a, i) => (i === 0 && s.archAll ? `${a}+all` : a)).join(' '),
            },
            { header: 'UPLOAD', value: (s) => s.uploadId ?? (r.dryRun ? 'dry run' : '-') },
          ]),
      ...r.skipped.map((s) => `skipped ${s.source} ${s.version}: ${s.reason}`),
    ].join('\n'),
  examples: [
    ['debyard build-missing test bookworm --dry-run', 'what bookworm of test lacks'],
    ['debyard build-missing test bookworm --architecture arm64', 'build it for arm64'],
  ],
});
