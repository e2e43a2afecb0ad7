import { z } from 'zod';
import { TEST_CHECKS } from '../../builder/build-request.js';
import { formatTable } from '../../shared/text-table.js';
import { commaList, defineCall, queryBoolean, queryInt } from '../call.js';

export const BUILD_STATE_NAMES = [
  'queued',
  'building',
  'built',
  'failed',
  'cancelled',
  'depwait',
] as const;

/** A build as the API shows it. */
export interface BuildSummary {
  id: number;
  upload: number;
  source: string;
  version: string;
  distribution: string;
  architecture: string;
  archAll: boolean;
  mandatory: boolean;
  /** DEPWAIT: its build dependencies cannot be satisfied yet; it is tried again later. */
  state: 'QUEUED' | 'BUILDING' | 'BUILT' | 'FAILED' | 'CANCELLED' | 'DEPWAIT';
  /** Why a queued build waits, e.g. "waiting: no ready chroot for trixie/arm64". */
  waiting: string | null;
  builder: string | null;
  /** Its builder ran it under emulation (qemu-user), not natively. */
  emulated: boolean;
  attempts: number;
  priority: number;
  /**
   * The builder's verdict: successful, failed, attempted (the package's own build failed),
   * cancelled, depwait (build dependencies missing; reason names them).
   */
  status: string | null;
  failStage: string | null;
  reason: string | null;
  lintianMode: string;
  lintian: string | null;
  /** The modes of the test stage's checks ({}: none ran). */
  testModes: Record<string, string>;
  /** The test stage's verdicts: check, mode, result (pass, fail, skip), reason, log. */
  tests: { check: string; mode: string; result: string; reason: string; log?: string }[];
  queuedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  times: { setupMs?: number; installMs?: number; buildMs?: number; totalMs?: number };
  /**
   * Bytes dropped from the log because it outgrew build.max_log_size (its start and end
   * are kept, a marker line stands for the rest); 0 when the log is whole.
   */
  logDroppedBytes: number;
}

/** States as a list: repeated (`?state=a&state=b`) or comma-separated, any case. */
const states = z.preprocess(
  commaList((s) => s.toLowerCase()),
  z.array(
    z.enum(BUILD_STATE_NAMES, {
      errorMap: () => ({ message: `must be one of ${BUILD_STATE_NAMES.join(', ')}` }),
    }),
  ),
);

function info(b: BuildSummary): string {
  if (b.state === 'QUEUED') return b.waiting ?? (b.reason ? `queued again: ${b.reason}` : '');
  if (b.state === 'BUILDING') return `since ${b.startedAt}`;
  const seconds =
    b.times.totalMs === undefined ? '' : ` in ${Math.round(b.times.totalMs / 1000)} s`;
  const cut = b.logDroppedBytes > 0 ? ` (log cut: ${b.logDroppedBytes} bytes dropped)` : '';
  const tests = b.tests.map((t) => `, ${t.check} ${t.result}`).join('');
  if (b.state === 'BUILT')
    return `built${seconds}${b.lintian && b.lintian !== 'disabled' ? `, lintian ${b.lintian}` : ''}${tests}${cut}`;
  return `${b.failStage ? `${b.failStage}: ` : ''}${b.reason ?? ''}${cut}`;
}

export const buildsCall = defineCall({
  name: 'builds',
  method: 'GET',
  access: 'anonymous',
  summary: 'List builds, newest first: queued, running and recent',
  description:
    'A queued build says why it waits (no builder with a ready chroot, every such builder busy). A DEPWAIT build waits for build dependencies no apt source has yet (its info names them); it is tried again when its repository installs a package, when an extra apt source is added for its distribution, and every build.depwait_retry_minutes.',
  input: z
    .object({
      state: states
        .optional()
        .describe(
          `Only builds in these states (${BUILD_STATE_NAMES.join(', ')}; repeat or separate by commas)`,
        ),
      upload: queryInt(1).optional().describe('Only the builds of this upload id'),
      source: z.string().min(1).optional().describe('Only builds of this source package'),
      architecture: z.string().min(1).optional().describe('Only builds for this architecture'),
      builder: z
        .string()
        .min(1)
        .optional()
        .describe('Only builds on this builder (local, or a peer)'),
      limit: queryInt(1, 1000).default(50).describe('At most this many builds [default: 50]'),
    })
    .strict(),
  format: (builds: BuildSummary[]) =>
    formatTable(
      builds,
      [
        { header: 'ID', value: (b) => b.id, right: true },
        { header: 'STATE', value: (b) => b.state },
        { header: 'SOURCE', value: (b) => b.source },
        { header: 'VERSION', value: (b) => b.version },
        { header: 'ARCH', value: (b) => (b.archAll ? `${b.architecture}+all` : b.architecture) },
        { header: 'DISTRIBUTION', value: (b) => b.distribution },
        { header: 'BUILDER', value: (b) => (b.emulated ? `${b.builder} (qemu)` : b.builder) },
        { header: 'INFO', value: info },
      ],
      'no builds',
    ),
  examples: [
    ['debyard builds --state queued,building', 'the queue and what runs'],
    ['debyard builds --source hello --state failed', 'failed builds of hello'],
  ],
});

/** One item of a followed build log: a line, or the end of the log. */
export type BuildLogItem = { line: string } | { end: true; state: string };

export const buildLogCall = defineCall({
  name: 'build_log',
  method: 'GET',
  access: 'anonymous',
  summary: 'Show the log of a build, or follow it as it runs',
  description:
    'Plain text unless the client asks for JSON; over HTTP with Range requests. With --follow, the log so far and then each new line as the build writes it, until the build ends (a line longer than 64K characters comes in parts). A log is capped at build.max_log_size: a longer one keeps its start and its end, with one line saying how much was dropped between (logDroppedBytes in the JSON answer and in builds).',
  input: z
    .object({
      build: queryInt(1).describe('The build id (see debyard builds)'),
      follow: queryBoolean.default(false).describe('Keep printing lines until the build ends'),
      check: z
        .enum(TEST_CHECKS, {
          errorMap: () => ({ message: `must be one of ${TEST_CHECKS.join(', ')}` }),
        })
        .optional()
        .describe('The log of one check of the test stage instead (written when it ends)'),
    })
    .strict(),
  positional: ['build'],
  format: (o: { text: string }) => o.text.replace(/\n$/, ''),
  stream: {
    flag: 'follow',
    formatItem: (item: BuildLogItem) =>
      'line' in item ? item.line : `--- the build ended: ${item.state}`,
    isLast: (item: BuildLogItem) => 'end' in item,
  },
  examples: [
    ['debyard build-log 12 --follow', 'watch build 12'],
    ['debyard build-log 12 --check autopkgtest', 'its autopkgtest log'],
  ],
});

export const retryCall = defineCall({
  name: 'retry',
  method: 'POST',
  access: 'staff',
  summary: 'Retry a failed, rejected or dep-waiting upload',
  description:
    'A failed upload gets a new round of builds from its files (after you fixed the cause: a missing build dependency, a chroot). A rejected upload goes through the incoming checks again (after you added the uploader key, say), while its files are kept (incoming.rejected_retention). The builds of an upload that wait for their build dependencies (DEPWAIT) are tried again now instead of at the next publish or timer.',
  input: z
    .object({
      upload: z.number().int().min(1).describe('The upload id'),
      priority: z
        .number()
        .int()
        .min(-100)
        .max(100)
        .default(0)
        .describe('Queue priority of the new builds (higher first) [default: 0]'),
    })
    .strict(),
  positional: ['upload'],
  format: (o: { upload: number; state: string; builds: { id: number; architecture: string }[] }) =>
    o.state === 'RETRIED'
      ? `upload ${o.upload}: its files go through the incoming's checks again`
      : `upload ${o.upload}: queued builds ${o.builds.map((b) => `${b.id} (${b.architecture})`).join(', ')}`,
  examples: [['debyard retry 5', 'build upload 5 again']],
});

export const cancelCall = defineCall({
  name: 'cancel',
  method: 'POST',
  access: 'staff',
  summary: "Cancel a queued or running build, or an upload's builds",
  input: z
    .object({
      build: z.number().int().min(1).optional().describe('The build id'),
      upload: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Cancel every queued or running build of this upload'),
    })
    .strict()
    .refine((o) => (o.build === undefined) !== (o.upload === undefined), {
      message: 'give a build id or --upload, not both',
      path: ['build'],
    }),
  positional: ['build'],
  format: (o: { builds: BuildSummary[] }) =>
    o.builds
      .map((b) => `build ${b.id} (${b.source} ${b.version} for ${b.architecture}): ${b.state}`)
      .join('\n'),
  examples: [
    ['debyard cancel 12', 'cancel build 12'],
    ['debyard cancel --upload 5', 'cancel the builds of upload 5'],
  ],
});
