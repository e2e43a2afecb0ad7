import type { ArchiveConfig } from '../../archive/archive-config.js';
import type { UploadFilter, UploadRecord } from '../../scheduler/upload-records.js';
import type { StoredEvent } from '../../events/event.js';
import type { BuildInfo } from '../../scheduler/scheduler.js';
import { NotFoundError } from '../../shared/errors.js';
import { implement, type CallImplementation } from '../api-router.js';
import { hiddenRepositories } from '../hidden-repositories.js';
import type { CallInput } from '../call.js';
import {
  uploadCall,
  uploadsCall,
  type InstalledSource,
  type UploadSummary,
} from '../specs/uploads.js';
import { summary as buildSummary } from './builds-router.js';

export interface UploadsRouterDeps {
  uploads: { list(filter: UploadFilter): UploadRecord[]; get(id: number): UploadRecord };
  /** The builds of an upload (every attempt), newest first. */
  builds(uploadId: number): BuildInfo[];
  /** The events of an upload, newest first. */
  events(uploadId: number): StoredEvent[];
  /** Which repositories are private (hidden from anonymous callers). */
  config: Pick<ArchiveConfig, 'repositories'>;
}

/** uploads, upload (anonymous, like builds and events). */
export function uploadRoutes(deps: UploadsRouterDeps): CallImplementation[] {
  return [
    // Uploads to private repositories are as missing ones to anonymous callers.
    implement(uploadsCall, (input, { principal }) => {
      const hidden = [...hiddenRepositories(deps.config, principal)];
      return deps.uploads
        .list({ ...uploadFilter(input), excludeRepositories: hidden })
        .map(uploadSummary);
    }),
    implement(uploadCall, (input, { principal }) => {
      const upload = deps.uploads.get(input.upload);
      const hidden = hiddenRepositories(deps.config, principal);
      if (upload.repository !== null && hidden.has(upload.repository)) {
        throw new NotFoundError(`there is no upload ${input.upload}`);
      }
      const events = deps.events(upload.id).reverse();
      return {
        upload: uploadSummary(upload),
        builds: deps.builds(upload.id).map(buildSummary),
        events,
        installed: installedBy(events),
      };
    }),
  ];
}

/** The call's filters as the uploads table's. */
export function uploadFilter(input: CallInput<typeof uploadsCall>): UploadFilter {
  return {
    states: input.state?.map((s) => s.toUpperCase()),
    source: input.source,
    repository: input.repository,
    signer:
      input.uploader === undefined
        ? undefined
        : input.uploader.toLowerCase() === 'anonymous'
          ? null
          : input.uploader,
    afterId: input.after,
    beforeId: input.before,
    limit: input.limit,
  };
}

export function uploadSummary(u: UploadRecord): UploadSummary {
  return {
    id: u.id,
    state: u.state,
    changesFile: u.changesFile,
    source: u.source,
    version: u.version,
    distribution: u.distribution,
    repository: u.repository,
    codename: u.codename,
    suite: u.suite,
    architectures: u.architectures,
    archAll: u.archAll,
    options: u.options,
    uploader: u.signer,
    requestedBy: u.requestedBy,
    changedBy: u.changedBy,
    files: u.files,
    reasons: u.reasons,
    receivedAt: u.receivedAt,
    processedAt: u.processedAt,
    updatedAt: u.updatedAt,
  };
}

/** What the upload's INSTALLED events put into the archive (details.binaries: package_arch). */
function installedBy(events: readonly StoredEvent[]): InstalledSource[] {
  return events
    .filter((e) => e.type === 'INSTALLED' && e.source && e.version && e.distribution)
    .map((e) => ({
      source: e.source!,
      version: e.version!,
      distribution: e.distribution!,
      binaries: (Array.isArray(e.details.binaries) ? e.details.binaries : [])
        .filter((b): b is string => typeof b === 'string' && b.includes('_'))
        .map((b) => ({
          package: b.slice(0, b.lastIndexOf('_')),
          architecture: b.slice(b.lastIndexOf('_') + 1),
        })),
    }));
}
