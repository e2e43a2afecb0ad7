import { z } from 'zod';
import type { StoredEvent } from '../../events/event.js';
import type { UploadRecord } from '../../scheduler/upload-records.js';
import { formatTable } from '../../shared/text-table.js';
import { commaList, defineCall, queryInt } from '../call.js';
import type { BuildSummary } from './builds.js';

/** The states of an upload: the incoming's decision, then the scheduler's steps. */
export const UPLOAD_STATE_NAMES = [
  'accepted',
  'rejected',
  'retried',
  'packaging',
  'building',
  'built',
  'installed',
  'failed',
] as const;

/**
 * An upload as the API shows it: its record without the daemon's own paths and with its
 * signer named `uploader`.
 */
export type UploadSummary = Pick<
  UploadRecord,
  | 'id'
  | 'state'
  | 'changesFile'
  | 'source'
  | 'version'
  | 'distribution'
  | 'repository'
  | 'codename'
  | 'suite'
  | 'architectures'
  | 'archAll'
  | 'options'
  | 'requestedBy'
  | 'changedBy'
  | 'files'
  | 'reasons'
  | 'receivedAt'
  | 'processedAt'
  | 'updatedAt'
> & {
  /** The fingerprint of the key that signed it; null for an unsigned (anonymous) upload. */
  uploader: string | null;
};

/** What an upload put into the archive: one INSTALLED event's source and binaries. */
export interface InstalledSource {
  source: string;
  version: string;
  distribution: string;
  binaries: { package: string; architecture: string }[];
}

/** One upload with everything that became of it. */
export interface UploadDetail {
  upload: UploadSummary;
  /** Its builds, newest first (every attempt, per architecture). */
  builds: BuildSummary[];
  /** Its events, oldest first. */
  events: StoredEvent[];
  installed: InstalledSource[];
}

/** States as a list: repeated (`?state=a&state=b`) or comma-separated, any case. */
const states = z.preprocess(
  commaList((s) => s.toLowerCase()),
  z.array(
    z.enum(UPLOAD_STATE_NAMES, {
      errorMap: () => ({ message: `must be one of ${UPLOAD_STATE_NAMES.join(', ')}` }),
    }),
  ),
);

export const uploaderFilter = z
  .string()
  .trim()
  .regex(
    /^(anonymous|[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})$/,
    'must be "anonymous" (unsigned uploads) or a key fingerprint (40 hex digits) or long key id (16)',
  );

/** The uploader column: a long key id, or anonymous. */
export function uploaderText(uploader: string | null): string {
  return uploader === null ? 'anonymous' : uploader.slice(-16);
}

function info(u: UploadSummary): string {
  if (u.reasons.length > 0) return u.reasons.join('; ');
  if (u.architectures.length === 0) return '';
  return `for ${u.architectures.join(', ')}${u.archAll ? ' (+all)' : ''}`;
}

export const uploadsCall = defineCall({
  name: 'uploads',
  method: 'GET',
  access: 'anonymous',
  summary: 'List uploads, newest first, and what became of each',
  description:
    'Each processed .changes is an upload: REJECTED (with every reason) or ACCEPTED, then PACKAGING, BUILDING, BUILT and INSTALLED or FAILED. Page back with --before (the last id shown). `debyard upload ID` shows one with its builds, events and installed packages.',
  input: z
    .object({
      state: states
        .optional()
        .describe(
          `Only uploads in these states (${UPLOAD_STATE_NAMES.join(', ')}; repeat or separate by commas)`,
        ),
      source: z.string().min(1).optional().describe('Only uploads of this source package'),
      repository: z
        .string()
        .regex(/^[a-z0-9]+$/, 'must be a repository id, like test')
        .optional()
        .describe('Only uploads to this repository'),
      uploader: uploaderFilter
        .optional()
        .describe('Only uploads signed by this key (fingerprint or long key id), or "anonymous"'),
      after: queryInt(0).optional().describe('Only uploads with an id greater than this'),
      before: queryInt(1).optional().describe('Only uploads with an id less than this'),
      limit: queryInt(1, 1000).default(50).describe('At most this many uploads [default: 50]'),
    })
    .strict(),
  format: (uploads: UploadSummary[]) =>
    formatTable(
      uploads,
      [
        { header: 'ID', value: (u) => u.id, right: true },
        { header: 'STATE', value: (u) => u.state },
        { header: 'SOURCE', value: (u) => u.source },
        { header: 'VERSION', value: (u) => u.version },
        { header: 'DISTRIBUTION', value: (u) => u.distribution },
        { header: 'UPLOADER', value: (u) => uploaderText(u.uploader) },
        { header: 'RECEIVED', value: (u) => u.receivedAt.replace('T', ' ').slice(0, 19) },
        { header: 'INFO', value: info },
      ],
      'no uploads',
    ),
  examples: [
    ['debyard uploads --state rejected', 'rejected uploads and why'],
    ['debyard uploads --repository test --uploader anonymous', 'unsigned uploads to test'],
  ],
});

export const uploadCall = defineCall({
  name: 'upload',
  method: 'GET',
  access: 'anonymous',
  summary: 'Show an upload: files, reasons, builds, events, packages',
  input: z.object({ upload: queryInt(1).describe('The upload id (see debyard uploads)') }).strict(),
  positional: ['upload'],
  format: (o: UploadDetail) => uploadText(o),
  examples: [['debyard upload 5', 'what became of upload 5']],
});

function uploadText({ upload: u, builds, events, installed }: UploadDetail): string {
  const lines = [
    `upload ${u.id}: ${u.source ?? '?'} ${u.version ?? '?'} for ${u.distribution ?? '?'}: ${u.state}`,
    `  ${u.changesFile}, ${u.uploader === null ? 'unsigned' : `signed by ${u.uploader}`}${u.requestedBy ? ` for ${u.requestedBy}` : ''}, received ${u.receivedAt}`,
    ...u.reasons.map((r) => `  reason: ${r}`),
    ...u.files.map(
      (f) => `  file: ${f.name} (${f.size} bytes${f.inPool ? ', from the pool' : ''})`,
    ),
    ...builds.map(
      (b) =>
        `  build ${b.id}: ${b.architecture}${b.archAll ? '+all' : ''} ${b.state}${b.reason ? ` (${b.reason})` : ''}`,
    ),
    ...installed.map(
      (i) =>
        `  installed: ${i.source} ${i.version} in ${i.distribution}: ${i.binaries.map((b) => `${b.package} (${b.architecture})`).join(', ')}`,
    ),
    ...events.map((e) => `  ${e.time}  ${e.type}  ${e.message}`),
  ];
  return lines.join('\n');
}
