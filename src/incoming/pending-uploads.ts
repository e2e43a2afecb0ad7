import type { Problem } from '../shared/errors.js';
import type { ArrivedFile } from './incoming-area.js';

/** A `.changes` in the incoming, with the files it lists (or why it could not be read). */
export interface PendingChanges {
  name: string;
  arrivedAt: Date;
  /** The file names its Files field lists (without the .changes itself). */
  listed: string[];
  /** Problems reading it; such a .changes is rejected at once. */
  unreadable: Problem[];
}

/**
 * What is in the incoming: complete files, the `.changes` among them and what they
 * list. Decides when a `.changes` is complete (every file it lists has arrived, in any
 * order) and what is left over. Pure bookkeeping, no I/O.
 */
export class PendingUploads {
  private readonly files = new Map<string, ArrivedFile>();
  private readonly changes = new Map<string, PendingChanges>();
  /** file name → the .changes that list it */
  private readonly listedBy = new Map<string, Set<string>>();
  private readonly busy = new Set<string>();

  get fileCount(): number {
    return this.files.size;
  }

  hasFile(name: string): boolean {
    return this.files.has(name);
  }

  file(name: string): ArrivedFile | undefined {
    return this.files.get(name);
  }

  /** Records a complete file; returns the .changes it made complete. */
  addFile(file: ArrivedFile): string[] {
    this.files.set(file.name, file);
    return [...(this.listedBy.get(file.name) ?? [])].filter((c) => this.isComplete(c));
  }

  /** Records a read `.changes` (its file must have been added); true if complete. */
  addChanges(pending: PendingChanges): boolean {
    this.changes.set(pending.name, pending);
    for (const name of pending.listed) {
      let set = this.listedBy.get(name);
      if (!set) this.listedBy.set(name, (set = new Set()));
      set.add(pending.name);
    }
    return this.isComplete(pending.name);
  }

  getChanges(name: string): PendingChanges | undefined {
    return this.changes.get(name);
  }

  isComplete(changesName: string): boolean {
    const pending = this.changes.get(changesName);
    if (!pending || !this.files.has(changesName)) return false;
    return pending.unreadable.length > 0 || pending.listed.every((f) => this.files.has(f));
  }

  /** Complete .changes not being processed (left over after a failure, to retry). */
  completeChanges(): string[] {
    return [...this.changes.keys()].filter((c) => !this.busy.has(c) && this.isComplete(c));
  }

  /** Other pending .changes that list this file. */
  otherListers(file: string, changesName: string): string[] {
    return [...(this.listedBy.get(file) ?? [])].filter((c) => c !== changesName);
  }

  /** Marks a .changes as being processed: the sweeper leaves it and its files alone. */
  setBusy(changesName: string, busy: boolean): void {
    if (busy) this.busy.add(changesName);
    else this.busy.delete(changesName);
  }

  /** Forgets files that left the incoming, and .changes among them. */
  removeFiles(names: readonly string[]): void {
    for (const name of names) {
      this.files.delete(name);
      const pending = this.changes.get(name);
      if (!pending) continue;
      this.changes.delete(name);
      for (const listed of pending.listed) {
        const set = this.listedBy.get(listed);
        set?.delete(name);
        if (set?.size === 0) this.listedBy.delete(listed);
      }
    }
  }

  /**
   * What has waited too long: incomplete .changes (with the files of theirs present and
   * missing) and files no pending .changes lists. Busy uploads are left alone.
   */
  expired(cutoff: Date): { incomplete: ExpiredChanges[]; strays: string[] } {
    const old = [...this.changes.values()].filter(
      (c) => c.arrivedAt < cutoff && !this.busy.has(c.name),
    );
    const expiredNames = new Set(old.map((c) => c.name));
    // A file goes with an expired .changes unless a .changes still waiting lists it too.
    const keep = (file: string) =>
      [...(this.listedBy.get(file) ?? [])].some((c) => !expiredNames.has(c));
    const incomplete = old.map((pending) => ({
      name: pending.name,
      present: pending.listed.filter((f) => this.files.has(f) && !keep(f)),
      missing: pending.listed.filter((f) => !this.files.has(f)),
    }));
    const strays: string[] = [];
    for (const file of this.files.values()) {
      if (file.arrivedAt >= cutoff || this.changes.has(file.name)) continue;
      if (this.listedBy.has(file.name)) continue;
      strays.push(file.name);
    }
    return { incomplete, strays };
  }
}

export interface ExpiredChanges {
  name: string;
  present: string[];
  missing: string[];
}
