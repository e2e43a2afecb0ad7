import { z } from 'zod';
import type {
  PeerBuildResult,
  PeerJobView,
  PeerLogItem,
  PeerStatus,
} from '../../remote/peer-api.js';
import { formatTable } from '../../shared/text-table.js';
import { defineCall, queryBoolean, queryInt } from '../call.js';

/*
 * The calls a daemon serves to the daemons that use it as a remote builder (over an SSH
 * tunnel, with an API token of a staff user of this daemon). Besides these, a peer job's
 * files travel as raw bytes: PUT /api/v1/peer_jobs/<job>/files/<name> and
 * GET /api/v1/peer_jobs/<job>/results/<name>.
 */

const jobId = z.string().regex(/^[0-9a-f]{16}$/, 'must be a peer job id (16 hex digits)');
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+~_-]*$/, 'must be a plain file name');

/** A file as a .changes Checksums-Sha256 line gives it: `<sha256> <size> <name>`. */
export const peerFileLine = z
  .string()
  .regex(
    /^[0-9a-f]{64} \d+ [A-Za-z0-9][A-Za-z0-9.+~_-]*$/,
    'must be "<sha256> <size> <name>" as in a Checksums-Sha256 field',
  );

const formatStatus = (s: PeerStatus) =>
  [
    `${s.identity} (debyard ${s.version})`,
    `builds: ${s.running} of ${s.capacity} running (load ${s.load.toFixed(2)}), ${s.jobs} peer job(s)`,
    `chroots: ${s.chroots.map((c) => `${c.codename}/${c.architecture}`).join(', ') || 'none ready'}`,
  ].join('\n');

const formatJob = (j: PeerJobView) =>
  `${j.job}  ${j.state}  ${j.dsc} on ${j.codename}/${j.architecture}${j.result ? `: ${j.result.status}${j.result.reason ? ` (${j.result.reason})` : ''}` : ''}`;

export const peerStatusCall = defineCall({
  name: 'peer_status',
  method: 'GET',
  access: 'staff',
  summary: 'What this daemon offers as a remote builder',
  description: 'Its chroots, capacity, load and version.',
  input: z.object({}).strict(),
  format: formatStatus,
});

export const peerJobsCall = defineCall({
  name: 'peer_jobs',
  method: 'GET',
  access: 'staff',
  summary: 'List the builds this daemon runs for other daemons',
  input: z.object({}).strict(),
  format: (jobs: PeerJobView[]) =>
    formatTable(
      jobs,
      [
        { header: 'JOB', value: (j) => j.job },
        { header: 'STATE', value: (j) => j.state },
        { header: 'CHROOT', value: (j) => `${j.codename}/${j.architecture}` },
        { header: 'DSC', value: (j) => j.dsc },
        { header: 'RESULT', value: (j) => j.result?.status ?? '' },
      ],
      'no peer jobs',
    ),
});

export const peerJobCreateCall = defineCall({
  name: 'peer_job_create',
  method: 'POST',
  access: 'staff',
  summary: 'Announce a build to run here for another daemon',
  description:
    'Takes one of the build slots of this daemon until the job ends. Send every file with PUT /api/v1/peer_jobs/<job>/files/<name>, then call peer_job_start.',
  input: z
    .object({
      dsc: fileName.refine((n) => n.endsWith('.dsc'), 'must be a .dsc').describe('The .dsc'),
      files: z
        .array(peerFileLine)
        .min(1, 'must list the .dsc and its files')
        .describe('"<sha256> <size> <name>" of the .dsc and each file it lists'),
      codename: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'not a codename'),
      architecture: z.string().regex(/^[a-z0-9][a-z0-9-]{1,30}$/, 'not an architecture'),
      arch_all: queryBoolean.default(false).describe('Also build the Architecture: all packages'),
      distribution: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.+-]*$/, 'not a distribution name')
        .describe('Distribution of the result (.changes)'),
      lintian: z.enum(['disabled', 'ignore', 'errfail', 'warnfail']).default('disabled'),
      time_limit_ms: queryInt(1000).describe('Kill the build after this many milliseconds'),
      limit_pids: queryInt(1)
        .optional()
        .describe("Processes the build may run at once [default: this daemon's build.limits]"),
      limit_memory_bytes: queryInt(1)
        .optional()
        .describe("Memory of the build [default: this daemon's build.limits]"),
      limit_cpus: z.coerce
        .number()
        .positive()
        .optional()
        .describe("CPU cores of the build [default: this daemon's build.limits]"),
      limit_disk_bytes: queryInt(1)
        .optional()
        .describe("Bytes the build may write [default: this daemon's build.limits]"),
      deb_build_options: z.string().optional().describe('DEB_BUILD_OPTIONS'),
      extra_apt_sources: z.string().optional().describe('deb822 sources for build dependencies'),
      extra_apt_key: z.string().optional().describe('Armored key of the extra sources'),
      extra_apt_preferences: z.string().optional().describe('apt_preferences of the sources'),
      extra_apt_auth: z.string().optional().describe('apt_auth.conf lines of the sources'),
    })
    .strict(),
  format: formatJob,
});

export const peerJobStartCall = defineCall({
  name: 'peer_job_start',
  method: 'POST',
  access: 'staff',
  summary: "Start a peer job's build once its files have arrived",
  input: z.object({ job: jobId.describe('Peer job id') }).strict(),
  positional: ['job'],
  format: formatJob,
});

export const peerJobCall = defineCall({
  name: 'peer_job',
  method: 'GET',
  access: 'staff',
  summary: 'Show a peer job: its state, missing files and result',
  input: z.object({ job: jobId.describe('Peer job id') }).strict(),
  positional: ['job'],
  format: formatJob,
});

export const peerJobLogCall = defineCall({
  name: 'peer_job_log',
  method: 'GET',
  access: 'staff',
  summary: "Print a peer job's build log, or follow it to the result",
  description:
    'Over HTTP, follow=true streams Server-Sent Events: {"text"} items whose ids are byte offsets (a client resumes with Last-Event-ID), then one {"result"} item.',
  input: z
    .object({
      job: jobId.describe('Peer job id'),
      follow: queryBoolean.default(false).describe('Stream the log until the build ends'),
    })
    .strict(),
  positional: ['job'],
  format: (o: { log: string; result: PeerBuildResult | null }) => o.log,
  stream: {
    flag: 'follow',
    formatItem: (item: PeerLogItem) =>
      'text' in item ? item.text.replace(/\n$/, '') : `result: ${item.result.status}`,
  },
});

export const peerJobRemoveCall = defineCall({
  name: 'peer_job_remove',
  method: 'POST',
  access: 'staff',
  summary: 'Cancel a peer job if it still runs, and remove its files',
  input: z.object({ job: jobId.describe('Peer job id') }).strict(),
  positional: ['job'],
  format: (o: { removed: string }) => `removed peer job ${o.removed}`,
});
