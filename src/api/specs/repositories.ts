import { z } from 'zod';
import { LIMIT_BOUNDS, type LimitOverrides } from '../../chroot/build-limits.js';
import { formatByteSize, parseByteSize } from '../../config/units.js';
import type { TestMode } from '../../builder/build-request.js';
import {
  parseSuiteModes,
  suiteModesText,
  type DistributionTestModes,
} from '../../archive/model/test-modes.js';
import { defineCall, queryBoolean } from '../call.js';

/** A distribution (codename) of a repository, as the API shows it. */
export interface DistributionView {
  codename: string;
  codeversion: string;
  architectures: string[];
  archAllArchitecture: string;
  mandatoryArchitectures: string[];
  components: string[];
  /** Resource limits of its builds instead of the builders' own ({}: theirs). */
  buildLimits: LimitOverrides;
  /** Modes of the test stage's checks: check → suite (or "*") → mode ({}: disabled). */
  testModes: DistributionTestModes;
}

export interface RepositoryView {
  id: string;
  description: string;
  layout: string;
  allowUnsigned: boolean;
  /** Readable only with a read token (read-token-create). */
  private: boolean;
  distributions: DistributionView[];
  /** The suites of its layout, in order. */
  suites: string[];
  /** Source packages per distribution name (only those holding any). */
  sources: Record<string, number>;
}

/** A list of names: repeated (`?x=a&x=b`) or comma-separated (`a,b`). */
export function nameList(pattern: RegExp, what: string) {
  return z.preprocess(
    (value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((item) => (typeof item === 'string' ? item.split(/[,\s]+/) : [item]))
        .filter((item) => item !== ''),
    z.array(z.string().regex(pattern, `"${what}" names are like ${examples[what]}`)),
  );
}

const examples: Record<string, string> = {
  architecture: 'amd64 or arm64 (lower-case letters, digits and dashes)',
  component: 'main or contrib (lower-case letters, digits and dashes)',
};

const repoId = z
  .string()
  .regex(/^[a-z0-9]{1,32}$/, 'must be 1-32 lower-case letters and digits, like test')
  .describe('Repository id');
const codename = z
  .string()
  .regex(
    /^[a-z][a-z0-9]{1,31}$/,
    'must be a codename such as bookworm (lower-case letters, digits)',
  )
  .describe('Codename, e.g. bookworm');
const architectures = nameList(/^[a-z0-9][a-z0-9-]{0,31}$/, 'architecture');
const components = nameList(/^[a-z][a-z0-9-]{0,31}$/, 'component');
const archAll = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be one of the architectures')
  .describe('The architecture whose builds also build arch:all packages [default: the first]');
const codeversion = z
  .string()
  .regex(/^[A-Za-z0-9]{1,8}$/, 'must be 1-8 letters or digits, like 12 for bookworm')
  .describe('The number in version suffixes, like 12 for bookworm [default: known codenames]');

/**
 * A resource limit of a distribution's builds: a value, or "default" (null) for the
 * builder's own setting.
 */
function limitField(key: keyof LimitOverrides, parse: (value: unknown) => number | string) {
  const { min, max } = LIMIT_BOUNDS[key];
  return z
    .unknown()
    .transform((value, ctx): number | null => {
      if (value === 'default' || value === null) return null;
      const parsed = parse(value);
      if (typeof parsed === 'string' || parsed < min || parsed > max) {
        const message =
          typeof parsed === 'string'
            ? parsed
            : `must be from ${show(key, min)} to ${show(key, max)}`;
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${message} (or "default")` });
        return z.NEVER;
      }
      return parsed;
    })
    .optional();
}

function show(key: keyof LimitOverrides, value: number): string {
  return key === 'memoryBytes' || key === 'diskBytes' ? formatByteSize(value) : String(value);
}

function parseNumber(whole: boolean) {
  return (value: unknown): number | string => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n) || (whole && !Number.isInteger(n)))
      return whole ? 'expected a whole number' : 'expected a number such as 2 or 1.5';
    return n;
  };
}

/** The per-distribution limits, shared by repository_add and distribution_*. */
const limitFields = {
  limit_pids: limitField('pids', parseNumber(true)).describe(
    'Processes and threads one build may run at once ("default": the builder\'s build.limits.pids)',
  ),
  limit_memory: limitField('memoryBytes', parseByteSize).describe(
    'Memory (RAM and swap) of one build, e.g. 16G ("default": the builder\'s build.limits.memory)',
  ),
  limit_cpus: limitField('cpus', parseNumber(false)).describe(
    'CPU cores one build may use, e.g. 4 or 1.5 ("default": the builder\'s build.limits.cpus)',
  ),
  limit_disk: limitField('diskBytes', parseByteSize).describe(
    'Bytes one build may write into its snapshot, e.g. 50G ("default": the builder\'s build.limits.disk)',
  ),
};

/** A test check's modes per suite: "errfail", "unstable=errfail,testing=ignore", "default". */
function testModesField(check: string) {
  // unknown, as limitField: the CLI sends what it parsed already (a record, or null).
  return z
    .unknown()
    .transform((value, ctx): Record<string, TestMode> | null => {
      const text =
        value !== null && typeof value === 'object'
          ? Object.entries(value)
              .map(([suite, mode]) => `${suite}=${String(mode)}`)
              .join(',')
          : value === null
            ? 'default'
            : String(value);
      const parsed = parseSuiteModes(text);
      if ('error' in parsed) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.error });
        return z.NEVER;
      }
      return parsed.modes;
    })
    .optional()
    .describe(
      `Mode of the ${check} check of builds: disabled, ignore or errfail, for every suite or per suite as unstable=errfail,testing=ignore ("default": disabled)`,
    );
}

/** The test stage's modes, shared by repository_add and distribution_*. */
export const testModeFields = {
  autopkgtest: testModesField('autopkgtest'),
  installtest: testModesField('install test (install, purge, reinstall)'),
  installability: testModesField('installability (dose-distcheck)'),
};

/** The fields describing a distribution, shared by repository_add and distribution_*. */
const distributionFields = {
  architectures: architectures
    .pipe(z.array(z.string()).min(1, 'name at least one architecture'))
    .describe('Architectures to build, e.g. amd64,arm64 (repeat or separate by commas)'),
  components: components
    .pipe(z.array(z.string()).min(1, 'name at least one component'))
    .optional()
    .describe('Components [default: main]'),
  codeversion: codeversion.optional(),
  arch_all: archAll.optional(),
  mandatory: architectures
    .optional()
    .describe('Architectures that must build before an upload is installed [default: all]'),
  ...limitFields,
  ...testModeFields,
};

export const repositoriesCall = defineCall({
  name: 'repositories',
  method: 'GET',
  access: 'anonymous',
  summary: 'List the repositories with their distributions and suites',
  input: z.object({}).strict(),
  format: (repos: RepositoryView[]) =>
    repos
      .map((r) =>
        [
          `${r.id}: ${r.description || '(no description)'}; layout ${r.layout}${r.allowUnsigned ? ', unsigned uploads allowed' : ''}${r.private ? ', private' : ''}`,
          `  suites: ${r.suites.join(', ')}`,
          ...r.distributions.map(
            (d) =>
              `  ${d.codename} (${d.codeversion}): ${d.architectures.join(', ')}; ${d.components.join(', ')}${limitsText(d.buildLimits)}${testsText(d.testModes)}`,
          ),
        ].join('\n'),
      )
      .join('\n') || 'no repositories',
});

export const repositoryAddCall = defineCall({
  name: 'repository_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a repository, optionally with its first distribution',
  description:
    'Takes effect at once: the repository is published (empty) and takes uploads (signed by keys allowed to upload to it, see key-permit).',
  input: z
    .object({
      id: repoId,
      description: z.string().trim().max(200).default('').describe('One line about it'),
      layout: z.string().min(1).default('default').describe('Its layout [default: default]'),
      allow_unsigned: queryBoolean.default(false).describe('Accept unsigned uploads'),
      private: queryBoolean
        .default(false)
        .describe('Readable only with a read token (read-token-create)'),
      codename: codename.optional().describe('A first distribution: its codename'),
      ...distributionFields,
      architectures: distributionFields.architectures.optional(),
    })
    .strict()
    .refine((i) => i.codename !== undefined || i.architectures === undefined, {
      message: 'architectures belong to a distribution: give its codename too',
      path: ['codename'],
    })
    .refine((i) => i.codename === undefined || i.architectures !== undefined, {
      message: 'name the architectures of the distribution, e.g. amd64',
      path: ['architectures'],
    }),
  positional: ['id'],
  format: (r: RepositoryView) => `added repository ${r.id}`,
  examples: [
    [
      'debyard repository-add main --codename bookworm --architectures amd64,arm64',
      'a repository for bookworm on two architectures',
    ],
  ],
});

export const repositoryUpdateCall = defineCall({
  name: 'repository_update',
  method: 'POST',
  access: 'admin',
  summary: 'Edit a repository: description, layout, unsigned uploads',
  description:
    'Takes effect at once (the next upload and publish see it). A layout change that would drop suites holding packages is refused.',
  input: z
    .object({
      id: repoId,
      description: z.string().trim().max(200).optional().describe('One line about it'),
      layout: z.string().min(1).optional().describe('Its layout'),
      allow_unsigned: queryBoolean.optional().describe('Accept unsigned uploads'),
      private: queryBoolean
        .optional()
        .describe('Readable only with a read token (read-token-create)'),
    })
    .strict(),
  positional: ['id'],
  format: (r: RepositoryView) => `updated repository ${r.id}`,
});

export const repositoryRemoveCall = defineCall({
  name: 'repository_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove an empty repository and its published tree',
  description: 'Refused while any of its distributions holds packages.',
  input: z.object({ id: repoId }).strict(),
  positional: ['id'],
  format: (o: { removed: string }) => `removed repository ${o.removed}`,
});

export const distributionAddCall = defineCall({
  name: 'distribution_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a distribution (codename) to a repository',
  input: z.object({ repo: repoId, codename, ...distributionFields }).strict(),
  positional: ['repo', 'codename'],
  format: (r: RepositoryView) => `repository ${r.id} now has ${codenames(r)}`,
  examples: [['debyard distribution-add test trixie --architectures amd64', 'build for trixie']],
});

export const distributionUpdateCall = defineCall({
  name: 'distribution_update',
  method: 'POST',
  access: 'admin',
  summary: 'Change a distribution: architectures, limits, tests',
  description:
    "Changes its architectures, components, codeversion (the number in the version policy's ~<repo><codeversion>+<n>), build limits or the modes of its test stage per suite (autopkgtest, install test, installability).",
  input: z
    .object({
      repo: repoId,
      codename,
      ...distributionFields,
      architectures: distributionFields.architectures.optional(),
    })
    .strict(),
  positional: ['repo', 'codename'],
  format: (r: RepositoryView) => `updated repository ${r.id}: ${codenames(r)}`,
});

export const distributionRemoveCall = defineCall({
  name: 'distribution_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove an empty distribution (codename) from a repository',
  description: 'Refused while any of its suites or rollbacks holds packages.',
  input: z.object({ repo: repoId, codename }).strict(),
  positional: ['repo', 'codename'],
  format: (r: RepositoryView) => `repository ${r.id} now has ${codenames(r) || 'no distribution'}`,
});

export const reindexCall = defineCall({
  name: 'reindex',
  method: 'POST',
  access: 'admin',
  summary: 'Rebuild and republish the indices of a repository',
  description: 'Every index of the repository, or only those of one distribution (--distribution).',
  input: z
    .object({
      repo: repoId,
      distribution: z
        .string()
        .min(1)
        .optional()
        .describe('Only this distribution, e.g. bookworm-test-unstable'),
    })
    .strict(),
  positional: ['repo'],
  format: (o: { republished: string[] }) => `republished ${o.republished.join(', ')}`,
});

/** "; tests: autopkgtest unstable=errfail" for a distribution that runs any. */
function testsText(modes: DistributionTestModes | undefined): string {
  const parts = Object.entries(modes ?? {}).map(
    ([check, bySuite]) => `${check} ${suiteModesText(bySuite)}`,
  );
  return parts.length > 0 ? `; tests: ${parts.join(', ')}` : '';
}

/** "; build limits: memory 16 GiB, 4 CPUs" for a distribution that sets any. */
function limitsText(limits: LimitOverrides | undefined): string {
  const text = distributionLimitsText(limits);
  return text ? `; build limits: ${text}` : '';
}

/** "memory 16 GiB, 4 CPUs": the limits a distribution sets ('' for none). */
export function distributionLimitsText(limits: LimitOverrides | undefined): string {
  const parts = [
    limits?.pids === undefined ? null : `${limits.pids} processes`,
    limits?.memoryBytes === undefined ? null : `memory ${formatByteSize(limits.memoryBytes)}`,
    limits?.cpus === undefined ? null : `${limits.cpus} CPUs`,
    limits?.diskBytes === undefined ? null : `disk ${formatByteSize(limits.diskBytes)}`,
  ].filter((part) => part !== null);
  return parts.join(', ');
}

function codenames(r: RepositoryView): string {
  return r.distributions.map((d) => d.codename).join(', ');
}
