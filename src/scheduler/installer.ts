import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { InstallInput } from '../archive/archive.js';
import { binaryPackageNames } from '../debian/upload-files.js';
import { AppError, describeError, UnavailableError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { QueueStore } from './queue-store.js';

export interface InstallerDeps {
  store: QueueStore;
  archive: { install(input: InstallInput, signal?: AbortSignal): Promise<unknown> };
  /** Removes a build's source and result folders. */
  release(buildId: number): Promise<void>;
  home: string;
  logger: Logger;
}

/**
 * Installs built uploads into the archive, one at a time: the source from the upload's
 * folder and every .deb its successful builds made (a binary upload's own .debs from its
 * folder), handed over to the pool. The
 * archive's install is idempotent, so a crash between its commit and the upload's
 * INSTALLED state only makes the next start install the same files again (no change, no
 * second INSTALLED event). Refusals (a newer version got in first, say) fail the upload;
 * an archive not ready yet is tried again later.
 */
export class Installer {
  private tail: Promise<void> = Promise.resolve();
  private readonly queued = new Set<number>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: InstallerDeps) {}

  enqueue(uploadId: number, signal: AbortSignal): void {
    if (this.queued.has(uploadId) || signal.aborted) return;
    this.queued.add(uploadId);
    this.tail = this.tail
      .then(() => this.install(uploadId, signal))
      .catch((error: unknown) => {
        this.deps.logger.error('installing an upload failed', { upload: uploadId, err: error });
      })
      .finally(() => this.queued.delete(uploadId));
  }

  /** Resolves when every queued install has ended. */
  async idle(): Promise<void> {
    clearTimeout(this.retryTimer);
    while (this.queued.size > 0) await this.tail;
  }

  private async install(uploadId: number, signal: AbortSignal): Promise<void> {
    const { store, logger } = this.deps;
    const upload = store.upload(uploadId);
    if (upload.state !== 'BUILT' || signal.aborted) return;
    const spool = (name: string) => path.join(this.deps.home, upload.spoolPath, name);
    // A binary upload brings its packages (built elsewhere); others have them from builds.
    const uploaded = binaryPackageNames(upload.files.map((f) => f.name));
    const built = store.currentBuilds(uploadId).filter((b) => b.state === 'BUILT');
    const debs =
      uploaded.length > 0
        ? uploaded.map(spool)
        : built.flatMap((b) => b.files.filter((f) => f.endsWith('.deb')));
    try {
      await this.deps.archive.install(
        {
          distribution: upload.distribution!,
          packages: [{ ...(upload.dscFile && { dsc: spool(upload.dscFile) }), debs }],
          uploadId,
          handOver: true,
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof UnavailableError) {
        logger.warn('the archive cannot install yet; trying again in 10 s', {
          upload: uploadId,
          reason: describeError(error),
        });
        this.retryTimer = setTimeout(() => this.enqueue(uploadId, signal), 10_000);
        this.retryTimer.unref();
        return;
      }
      const why = error instanceof AppError ? error.fullMessage : describeError(error);
      store.failUpload(uploadId, ['BUILT'], [`cannot install into ${upload.distribution}: ${why}`]);
      return;
    }
    store.installed(uploadId);
    logger.info('upload installed', { upload: uploadId, distribution: upload.distribution });
    await this.cleanUp(uploadId, upload.spoolPath);
  }

  /** An installed upload's files are in the pool now; only the build logs stay. */
  async cleanUp(uploadId: number, spoolPath: string): Promise<void> {
    for (const build of this.deps.store.list({ uploadId, limit: 10_000 })) {
      await this.deps.release(build.id);
    }
    await rm(path.join(this.deps.home, spoolPath), { recursive: true, force: true });
  }
}

/** An upload of binary packages built elsewhere (key-permit --binary): installed, not built. */
export function isBinaryUpload(upload: { files: readonly { name: string }[] }): boolean {
  return binaryPackageNames(upload.files.map((f) => f.name)).length > 0;
}
