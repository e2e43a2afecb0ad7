import { inTransaction, type Db } from '../db/database.js';
import type { NewUpload, UploadRecord, UploadsRepository } from '../db/uploads-repository.js';
import type { EventLog } from '../events/event-log.js';
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
      message: `accepted ${record.source} ${record.version} for ${record.distribution}: builds for ${describeBuilds(record)}`,
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

function describeBuilds(record: UploadRecord): string {
  return record.architectures
    .map((arch) => (record.archAll && arch === record.architectures[0] ? `${arch} (+all)` : arch))
    .join(', ');
}
