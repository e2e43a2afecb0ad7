import { inTransaction, type Db } from '../db/database.js';
import type { ChrootsRepository } from '../db/chroots-repository.js';
import type { ChrootPatch, ChrootRecord } from './chroot-records.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import { NotFoundError } from '../shared/errors.js';
import { keyLabel, type ChrootKey } from './chroot-paths.js';

export interface ChrootStateDeps {
  db: Db;
  store: ChrootsRepository;
  events: EventLog;
  clock: Clock;
}

/**
 * The stored state of the chroots; every change that users should hear about is
 * recorded as a CHROOT event in the same transaction and published after the commit.
 */
export class ChrootState {
  constructor(private readonly deps: ChrootStateDeps) {}

  now(): Date {
    return this.deps.clock.now();
  }

  list(): ChrootRecord[] {
    return this.deps.store.list();
  }

  find(key: ChrootKey): ChrootRecord | undefined {
    return this.deps.store.find(key.codename, key.architecture);
  }

  get(key: ChrootKey): ChrootRecord {
    const record = this.find(key);
    if (!record) {
      throw new NotFoundError(
        `there is no chroot ${keyLabel(key)}; create it first (debyard chroot-create ${key.codename} ${key.architecture})`,
      );
    }
    return record;
  }

  /** A new chroot in state creating, or a broken one made creating again. */
  startCreating(key: ChrootKey, message: string): ChrootRecord {
    return this.inTransaction(() => {
      const existing = this.find(key);
      const record = existing
        ? this.deps.store.update(existing.id, {
            state: 'creating',
            progress: 'starting',
            lastError: null,
          })
        : this.deps.store.insert({ ...key, createdAt: this.now() });
      return [record, message];
    });
  }

  /** Changes a chroot and, when `message` is given, records a CHROOT event. */
  change(id: number, patch: ChrootPatch, message?: string): ChrootRecord {
    return this.inTransaction(() => [this.deps.store.update(id, patch), message]);
  }

  /** Changes a chroot without an event (progress that is not a phase change). */
  quietly(id: number, patch: ChrootPatch): ChrootRecord {
    return this.deps.store.update(id, patch);
  }

  remove(record: ChrootRecord, message: string): void {
    this.inTransaction(() => {
      this.deps.store.delete(record.id);
      return [record, message];
    });
  }

  private inTransaction(fn: () => [ChrootRecord, string | undefined]): ChrootRecord {
    const [record, event] = inTransaction(this.deps.db, () => {
      const [changed, message] = fn();
      const stored =
        message === undefined
          ? undefined
          : this.deps.events.record({
              type: 'CHROOT',
              message,
              architecture: changed.architecture,
              details: {
                codename: changed.codename,
                architecture: changed.architecture,
                state: changed.state,
                progress: changed.progress,
                generation: changed.generation,
                ...(changed.lastError ? { error: changed.lastError } : {}),
              },
            });
      return [changed, stored] as const;
    });
    if (event) this.deps.events.publish(event);
    return record;
  }
}
