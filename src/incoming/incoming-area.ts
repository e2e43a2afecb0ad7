import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../shared/atomic-fs.js';
import { ConflictError } from '../shared/errors.js';

/** A complete file in the incoming, visible to the processor. */
export interface ArrivedFile {
  name: string;
  size: number;
  /** When its transfer completed (the file's mtime, so it survives restarts). */
  arrivedAt: Date;
}

export type ArrivalListener = (file: ArrivedFile) => void;

/** A file being received, under a temporary name the processor never looks at. */
export interface PartialFile {
  name: string;
  tempPath: string;
  handle: fs.FileHandle;
  /** Set once the handle is closed (by commit or discard). */
  closed: boolean;
}

/**
 * File names accepted in the incoming: Debian's package file names (letters, digits and
 * `.+~_-`, starting with a letter or digit). No `/`, no leading dot, nothing to escape.
 */
export const UPLOAD_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~_-]{0,254}$/;

/**
 * The incoming folder. Files arrive under a temporary name in a separate folder and are
 * linked into the incoming only once complete, never replacing an existing file; the
 * processor hears of each one through `onArrival`.
 */
export class IncomingArea {
  /** Names being received, each with the temporary path of the session receiving it. */
  private readonly reserved = new Map<string, string>();
  private readonly listeners = new Set<ArrivalListener>();

  constructor(
    /** The folder of complete files (`<home>/incoming`). */
    readonly dir: string,
    /** The folder of files being received; emptied at start. */
    private readonly partialDir: string,
  ) {}

  /** Creates the folders and removes partial files a crash left behind. */
  async prepare(): Promise<void> {
    await fs.rm(this.partialDir, { recursive: true, force: true });
    await fs.mkdir(this.partialDir, { recursive: true, mode: 0o750 });
    await fs.mkdir(this.dir, { recursive: true, mode: 0o750 });
  }

  onArrival(listener: ArrivalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pathOf(name: string): string {
    if (!UPLOAD_FILE_NAME.test(name)) throw new Error(`unsafe incoming file name ${name}`);
    return path.join(this.dir, name);
  }

  /** Whether a name is taken: a complete file, or one being received right now. */
  async isTaken(name: string): Promise<boolean> {
    if (this.reserved.has(name)) return true;
    return (await statOrNull(this.pathOf(name))) !== null;
  }

  /**
   * Starts receiving a file. Refuses (ConflictError) a name that exists or is being
   * received by another session.
   */
  async begin(name: string): Promise<PartialFile> {
    if (await this.isTaken(name)) {
      throw new ConflictError(`${name} exists already; files in the incoming are never replaced`);
    }
    const tempPath = path.join(this.partialDir, `${name}.${randomBytes(6).toString('hex')}`);
    this.reserved.set(name, tempPath);
    try {
      const handle = await fs.open(
        tempPath,
        fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
        0o640,
      );
      return { name, tempPath, handle, closed: false };
    } catch (error) {
      this.reserved.delete(name);
      throw error;
    }
  }

  /** Makes a fully received file durable and visible under its name. */
  async commit(partial: PartialFile): Promise<ArrivedFile> {
    const target = this.pathOf(partial.name);
    await partial.handle.sync();
    partial.closed = true;
    await partial.handle.close();
    try {
      // link() never replaces an existing file, unlike rename().
      await fs.link(partial.tempPath, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ConflictError(`${partial.name} exists already; files are never replaced`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      this.release(partial);
      await fs.rm(partial.tempPath, { force: true });
    }
    await fsyncDir(this.dir);
    const stat = await fs.stat(target);
    const file = { name: partial.name, size: stat.size, arrivedAt: stat.mtime };
    for (const listener of [...this.listeners]) listener(file);
    return file;
  }

  /** Throws away a file that was not received completely. */
  async discard(partial: PartialFile): Promise<void> {
    this.release(partial);
    if (!partial.closed) {
      partial.closed = true;
      await partial.handle.close().catch(() => undefined);
    }
    await fs.rm(partial.tempPath, { force: true });
  }

  private release(partial: PartialFile): void {
    if (this.reserved.get(partial.name) === partial.tempPath) this.reserved.delete(partial.name);
  }

  /** Every complete file, for the processor's start-up scan. */
  async list(): Promise<ArrivedFile[]> {
    const entries = await fs.readdir(this.dir, { withFileTypes: true });
    const files: ArrivedFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !UPLOAD_FILE_NAME.test(entry.name)) continue;
      const stat = await statOrNull(path.join(this.dir, entry.name));
      if (stat) files.push({ name: entry.name, size: stat.size, arrivedAt: stat.mtime });
    }
    return files;
  }

  /** Removes complete files (missing ones are fine). */
  async remove(names: readonly string[]): Promise<void> {
    for (const name of names) await fs.rm(this.pathOf(name), { force: true });
  }
}

async function statOrNull(file: string) {
  try {
    return await fs.lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
