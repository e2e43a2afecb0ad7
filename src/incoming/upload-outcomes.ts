import { inTransaction, type Db } from '../db/database.js';
import type { UploadsRepository } from '../db/uploads-repository.js';
import type { NewUpload, UploadRecord } from '../scheduler/upload-records.js';
import type { EventLog } from '../events/event-log.js';
import { binaryPackageNames } from '../debian/upload-files.js';
import type { StoredEvent } from '../events/event.js';

export interface UploadOutcomesDeps {
  db: Db;
  uploads: UploadsRepository;
  events: EventLog;
}

/**
 * Records the end of an upload's way through the incoming: the upload row and its
 * ACCEPTED or REJECTED event in one transaction; the event is published after commit.
 */
export class UploadOutcomes {
  constructor(private readonly deps: UploadOutcomesDeps) {}

  accepted(upload: NewUpload): UploadRecord {
    return this.write(upload, (record) => ({
      type: 'ACCEPTED',
      message: `accepted ${record.source} ${record.version} for ${record.distribution}: ${describeWork(record)}`,
      details: {
        changes: record.changesFile,
        architectures: record.architectures,
        archAll: record.archAll,
        signer: record.signer,
        spoolPath: record.spoolPath,
      },
    }));
  }

  rejected(upload: NewUpload): UploadRecord {
    return this.write(upload, (record) => ({
      type: 'REJECTED',
      message: `rejected ${record.changesFile}: ${record.reasons.join('; ')}`,
      details: {
        changes: record.changesFile,
        reasons: record.reasons,
        signer: record.signer,
        rejectedPath: record.spoolPath,
      },
    }));
  }

  /**
   * A rejected upload goes through the checks again (a retry): REJECTED → RETRIED, with an
   * INCOMING event; false if it was not REJECTED (any more).
   */
  retried(upload: UploadRecord, by: string, now: Date): boolean {
    const { db, uploads, events } = this.deps;
    const stored = inTransaction(db, () => {
      if (!uploads.transition(upload.id, ['REJECTED'], 'RETRIED', now)) return null;
      return events.record({
        type: 'INCOMING',
        message: `retry by ${by}: ${upload.changesFile} (upload ${upload.id}, rejected before) is checked again`,
        source: upload.source,
        version: upload.version,
        distribution: upload.distribution,
        uploadId: upload.id,
        details: { changes: upload.changesFile, retriedBy: by },
      });
    });
    if (stored) events.publish(stored);
    return stored !== null;
  }

  private write(
    upload: NewUpload,
    event: (record: UploadRecord) => Pick<StoredEvent, 'type' | 'message' | 'details'>,
  ): UploadRecord {
    const { db, uploads, events } = this.deps;
    const [record, stored] = inTransaction(db, () => {
      const record = uploads.insert(upload);
      const stored = events.record({
        ...event(record),
        source: record.source,
        version: record.version,
        distribution: record.distribution,
        uploadId: record.id,
      });
      return [record, stored] as const;
    });
    events.publish(stored);
    return record;
  }
}

/** What comes next: the builds, or for binary packages their install (they are not built). */
function describeWork(record: UploadRecord): string {
  const debs = binaryPackageNames(record.files.map((f) => f.name));
  if (debs.length > 0) {
    return `installs ${debs.join(', ')}${record.dscFile ? ` with ${record.dscFile}` : ''} (binary upload, not built)`;
  }
  return `builds for ${describeBuilds(record)}`;
}

function describeBuilds(record: UploadRecord): string {
  return record.architectures
    .map((arch) => (record.archAll && arch === record.architectures[0] ? `${arch} (+all)` : arch))
    .join(', ');
}
