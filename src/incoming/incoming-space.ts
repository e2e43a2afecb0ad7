import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatByteSize, formatRoughSize } from '../config/units.js';
import { atMostEvery } from '../shared/every.js';
import { UPLOAD_FILE_NAME } from './incoming-area.js';

export interface IncomingSpaceOptions {
  /** The incoming folder: its complete files count, and its disk's free space. */
  dir: string;
  /** Most bytes the incoming may hold: waiting files and files being received. */
  maxBytes: number;
  /** Bytes that must stay free on the incoming's disk; 0: not checked. */
  minFreeBytes: number;
  /** Told (at most once a minute) when uploads are refused for want of space. */
  onRefusal?: (reason: string) => void;
}

/** Waiting files are counted again after this long (others may add or take files). */
const RECOUNT_MS = 10_000;
/** …and at most this often when the count says no (a full incoming is not read on every try). */
const RECOUNT_WHEN_FULL_MS = 1000;
/** Free disk space is asked again after this long (builds and others write too). */
const FREE_SPACE_MS = 2000;
const REPORT_EVERY_MS = 60_000;

/**
 * The incoming as a whole: its waiting files plus the files being received may not pass
 * `maxBytes`, and its disk must keep `minFreeBytes` free. Checked before an upload
 * starts and for every chunk while it streams; a counted value that says no is counted
 * again before it refuses.
 */
export class IncomingSpace {
  private receiving = 0;
  private waiting = 0;
  private countedAt = -Infinity;
  private recounting: Promise<void> | undefined;
  private committedWhileCounting = 0;
  private free = Infinity;
  private freeAt = -Infinity;
  private writtenSinceFree = 0;
  private readonly reportNow = atMostEvery(REPORT_EVERY_MS);
  private readonly now = () => performance.now();

  constructor(private readonly options: IncomingSpaceOptions) {}

  /** Why no upload may start now, or null. */
  async refusal(): Promise<string | null> {
    await this.refresh(0);
    return this.reported(this.problem(0));
  }

  /** Counts `bytes` more of a file being received; the reason they do not fit, or null. */
  async take(bytes: number): Promise<string | null> {
    await this.refresh(bytes);
    // Checked and counted in one step: parallel uploads cannot both take the last bytes.
    const problem = this.problem(bytes);
    if (problem) return this.reported(problem);
    this.receiving += bytes;
    this.writtenSinceFree += bytes;
    return null;
  }

  /** A file being received was thrown away after `bytes`. */
  release(bytes: number): void {
    this.receiving = Math.max(0, this.receiving - bytes);
  }

  /** A file of `bytes` is complete: it now waits in the incoming. */
  committed(bytes: number): void {
    this.release(bytes);
    this.waiting += bytes;
    if (this.recounting) this.committedWhileCounting += bytes;
  }

  /** Bytes held now, as counted: waiting files and files being received. */
  get used(): number {
    return this.waiting + this.receiving;
  }

  /** Counts again what is stale, or what says no (a refusal rests on fresh figures). */
  private async refresh(bytes: number): Promise<void> {
    const { maxBytes, minFreeBytes } = this.options;
    const age = this.now() - this.countedAt;
    if (age >= RECOUNT_MS || (this.used + bytes > maxBytes && age >= RECOUNT_WHEN_FULL_MS)) {
      await this.recount();
    }
    if (minFreeBytes > 0 && (this.now() - this.freeAt >= FREE_SPACE_MS || !this.freeFits(bytes))) {
      await this.askFreeSpace();
    }
  }

  private problem(bytes: number): string | null {
    const { maxBytes, minFreeBytes } = this.options;
    if (this.used + bytes > maxBytes) {
      return `the incoming is full: uploads waiting in it or on their way take ${formatRoughSize(this.used)} of the ${formatByteSize(maxBytes)} it may hold; try again later`;
    }
    if (minFreeBytes > 0 && !this.freeFits(bytes)) {
      const left = Math.max(0, this.free - this.writtenSinceFree);
      return `the disk of the incoming is nearly full: ${formatRoughSize(left)} free, and ${formatByteSize(minFreeBytes)} must stay free; try again later`;
    }
    return null;
  }

  private freeFits(bytes: number): boolean {
    return this.free - this.writtenSinceFree - bytes >= this.options.minFreeBytes;
  }

  private reported(problem: string | null): string | null {
    if (problem && this.reportNow()) this.options.onRefusal?.(problem);
    return problem;
  }

  private recount(): Promise<void> {
    this.recounting ??= (async () => {
      this.committedWhileCounting = 0;
      try {
        const counted = await sizeOfFiles(this.options.dir);
        // A file committed during the count may be in it too: counted twice, for a while.
        this.waiting = counted + this.committedWhileCounting;
        this.countedAt = this.now();
      } finally {
        this.recounting = undefined;
      }
    })();
    return this.recounting;
  }

  private async askFreeSpace(): Promise<void> {
    this.free = await freeBytesOf(this.options.dir);
    this.freeAt = this.now();
    this.writtenSinceFree = 0;
  }
}

/** Bytes of the complete files in a folder. */
async function sizeOfFiles(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !UPLOAD_FILE_NAME.test(entry.name)) continue;
    const stat = await fs.lstat(path.join(dir, entry.name)).catch(() => null);
    total += stat?.size ?? 0;
  }
  return total;
}

/** Bytes an unprivileged user may still write on the disk holding `dir`. */
async function freeBytesOf(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
}
