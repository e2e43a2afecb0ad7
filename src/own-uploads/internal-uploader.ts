import type { UploadsRepository } from '../db/uploads-repository.js';
import type { EventLog } from '../events/event-log.js';
import type { IncomingArea } from '../incoming/incoming-area.js';
import type { Requester } from '../incoming/requester.js';
import { deliverUpload, signUpload, type TextSigner } from './internal-upload.js';
import type { MadeSource } from './source-factory.js';

/** What became of an upload the daemon made itself. */
export interface InternalUploadOutcome {
  source: string;
  version: string;
  changes: string;
  /** ACCEPTED or REJECTED by the incoming; PENDING if it did not decide in time. */
  state: 'ACCEPTED' | 'REJECTED' | 'PENDING';
  uploadId: number | null;
  reasons: string[];
}

export interface InternalUploaderDeps {
  area: IncomingArea;
  signer: () => TextSigner;
  events: EventLog;
  uploads: Pick<UploadsRepository, 'latestOfChanges'>;
  /** How long to wait for the incoming's decision. */
  decisionTimeoutMs: number;
}

/**
 * Uploads made sources into the daemon's own incoming, signed with the instance key and
 * naming whom each is for (the incoming applies the target repository's rules to that
 * requester), one at a time (two ports of a source share its original tarball's name),
 * and reports the incoming's decision. From there an internal upload goes the way every
 * upload goes.
 */
export class InternalUploader {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: InternalUploaderDeps) {}

  /** `signer`: another key than the instance key (then the incoming judges that key). */
  upload(
    made: MadeSource,
    requester: Requester,
    signal?: AbortSignal,
    signer?: TextSigner,
  ): Promise<InternalUploadOutcome> {
    const next = this.chain.then(() => this.uploadOne(made, requester, signal, signer));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async uploadOne(
    made: MadeSource,
    requester: Requester,
    signal?: AbortSignal,
    signer?: TextSigner,
  ): Promise<InternalUploadOutcome> {
    signal?.throwIfAborted();
    await signUpload(made, signer ?? this.deps.signer(), requester);
    const decided = this.decision(made.changes, signal);
    try {
      await deliverUpload(made, this.deps.area);
    } catch (error) {
      decided.cancel();
      throw error;
    }
    const uploadId = await decided.promise;
    const record = uploadId === null ? undefined : this.deps.uploads.latestOfChanges(made.changes);
    return {
      source: made.source,
      version: made.version,
      changes: made.changes,
      state: (record?.state as 'ACCEPTED' | 'REJECTED' | undefined) ?? 'PENDING',
      uploadId: record?.id ?? null,
      reasons: record?.reasons ?? [],
    };
  }

  /** Resolves with the upload id once the incoming accepted or rejected the .changes. */
  private decision(changes: string, signal?: AbortSignal) {
    let unsubscribe = () => {};
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<number | null>((resolve) => {
      const done = (id: number | null) => {
        unsubscribe();
        clearTimeout(timer);
        resolve(id);
      };
      unsubscribe = this.deps.events.subscribe(
        (event) => {
          if (event.details.changes === changes) done(event.uploadId);
        },
        { types: ['ACCEPTED', 'REJECTED'] },
      );
      timer = setTimeout(() => done(null), this.deps.decisionTimeoutMs);
      signal?.addEventListener('abort', () => done(null), { once: true });
    });
    return {
      promise,
      cancel: () => {
        unsubscribe();
        clearTimeout(timer);
      },
    };
  }
}
