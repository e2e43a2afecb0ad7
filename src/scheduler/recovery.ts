import type { UploadRecord } from './upload-records.js';
import type { Logger } from '../shared/logger.js';
import { UPLOAD_STATES, type QueueStore } from './queue-store.js';

export interface QueueRecoveryDeps {
  store: QueueStore;
  maxAttempts: number;
  /** Plans an accepted upload. */
  accept(uploadId: number): void;
  /** Queues a built upload's install. */
  install(uploadId: number): void;
  /** Removes what an installed upload left (its folder, build results). */
  cleanUp(upload: UploadRecord): Promise<void>;
  logger: Logger;
}

/**
 * Run at start, before any build: builds a crash interrupted (still BUILDING; their
 * sandboxes died with the daemon and the chroot recovery removed their snapshots) are
 * queued again, or fail once they used up their attempts; accepted uploads are planned;
 * built ones are installed (again: the archive's install is idempotent); installed
 * ones lose leftover folders.
 */
export function recoverQueue(deps: QueueRecoveryDeps): void {
  const { store, maxAttempts, logger } = deps;
  for (const build of store.inState('BUILDING')) {
    if (build.attempts < maxAttempts) {
      logger.warn('requeueing a build the daemon stopped during', { build: build.id });
      store.requeue(
        build.id,
        `the daemon stopped during attempt ${build.attempts} of ${maxAttempts}`,
        true,
      );
      continue;
    }
    logger.warn('a build was interrupted too often; it fails', { build: build.id });
    store.fail(
      build.id,
      `the daemon stopped during each of its ${build.attempts} attempts; it was not started again`,
    );
  }
  for (const upload of store.uploadsIn(UPLOAD_STATES.accepted)) deps.accept(upload.id);
  for (const upload of store.uploadsIn(UPLOAD_STATES.built)) deps.install(upload.id);
  for (const upload of store.uploadsIn(UPLOAD_STATES.installed).slice(-200)) {
    void deps.cleanUp(upload).catch((error: unknown) => {
      logger.warn('cannot remove the folders of an installed upload', {
        upload: upload.id,
        err: error,
      });
    });
  }
}
