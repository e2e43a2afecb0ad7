import { promises as fs } from 'node:fs';
import type { NewUpload } from '../scheduler/upload-records.js';
import type { Clock } from '../shared/clock.js';
import { formatProblem } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { IncomingArea } from './incoming-area.js';
import type { PendingUploads } from './pending-uploads.js';
import { UNKNOWN_UPLOAD, type CheckResult, type UploadChecker } from './upload-checker.js';
import type { UploadFolders } from './upload-folders.js';
import type { UploadOutcomes } from './upload-outcomes.js';

export interface UploadDeciderDeps {
  area: IncomingArea;
  folders: UploadFolders;
  checker: UploadChecker;
  outcomes: UploadOutcomes;
  pending: PendingUploads;
  clock: Clock;
  logger: Logger;
}

/**
 * Checks one complete upload and carries out the verdict. Accepted: every file moves
 * into a new spool folder, then the upload row and ACCEPTED event are written. Rejected:
 * the .changes and its files (but those another waiting .changes lists) move under
 * rejected/, then the row and REJECTED event. A crash between the two steps leaves a
 * folder without a row, which the next start puts back into the incoming.
 */
export class UploadDecider {
  constructor(private readonly deps: UploadDeciderDeps) {}

  async decide(changesName: string, signal: AbortSignal): Promise<void> {
    const { pending, area } = this.deps;
    const entry = pending.getChanges(changesName)!;
    const receivedAt = this.receivedAt(changesName, entry.listed);
    let result: CheckResult;
    if (entry.unreadable.length > 0) {
      result = { problems: entry.unreadable, upload: UNKNOWN_UPLOAD };
    } else {
      const changesBytes = await fs.readFile(area.pathOf(changesName));
      result = await this.deps.checker.check(
        {
          changesName,
          changesBytes,
          pathOf: (name) => area.pathOf(name),
          has: (name) => pending.hasFile(name),
        },
        signal,
      );
    }
    signal.throwIfAborted();
    if (result.problems.length === 0)
      await this.accept(changesName, entry.listed, result, receivedAt);
    else await this.reject(changesName, entry.listed, result, receivedAt);
  }

  private async accept(
    changesName: string,
    listed: string[],
    result: CheckResult,
    receivedAt: Date,
  ): Promise<void> {
    const moved = [changesName, ...listed];
    const spoolPath = await this.moveIn('spool', changesName, moved);
    const record = this.deps.outcomes.accepted(
      this.newUpload('ACCEPTED', changesName, result, spoolPath, receivedAt),
    );
    this.deps.pending.removeFiles(moved);
    this.deps.logger.info('upload accepted', {
      upload: record.id,
      changes: changesName,
      spoolPath,
    });
  }

  private async reject(
    changesName: string,
    listed: string[],
    result: CheckResult,
    receivedAt: Date,
  ): Promise<void> {
    const { pending, folders } = this.deps;
    // Files another waiting .changes lists stay for it.
    const moved = [
      changesName,
      ...listed.filter(
        (f) => pending.hasFile(f) && pending.otherListers(f, changesName).length === 0,
      ),
    ];
    const reasons = result.problems.map(formatProblem);
    const path = await this.moveIn('rejected', changesName, moved);
    await folders.writeReasons(path, reasons);
    const upload = this.newUpload('REJECTED', changesName, result, path, receivedAt);
    const record = this.deps.outcomes.rejected({ ...upload, reasons });
    pending.removeFiles(moved);
    this.deps.logger.info('upload rejected', { upload: record.id, changes: changesName, reasons });
  }

  private moveIn(
    kind: 'spool' | 'rejected',
    changesName: string,
    names: string[],
  ): Promise<string> {
    const key = this.deps.folders.newKey(changesName, this.deps.clock.now());
    return this.deps.folders.moveIn(kind, key, names);
  }

  private newUpload(
    state: 'ACCEPTED' | 'REJECTED',
    changesFile: string,
    result: CheckResult,
    spoolPath: string,
    receivedAt: Date,
  ): NewUpload {
    return {
      ...result.upload,
      state,
      changesFile,
      spoolPath,
      reasons: [],
      receivedAt: receivedAt.toISOString(),
      processedAt: this.deps.clock.now().toISOString(),
    };
  }

  /** When the upload was complete: the latest arrival among its files. */
  private receivedAt(changesName: string, listed: string[]): Date {
    let latest = this.deps.pending.file(changesName)!.arrivedAt;
    for (const name of listed) {
      const arrived = this.deps.pending.file(name)?.arrivedAt;
      if (arrived && arrived > latest) latest = arrived;
    }
    return latest;
  }
}
