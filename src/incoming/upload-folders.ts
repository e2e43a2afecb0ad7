import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '../shared/atomic-fs.js';
import { UPLOAD_FILE_NAME } from './incoming-area.js';

export type FolderKind = 'spool' | 'rejected';

/** A per-upload folder, by its path relative to the home (`spool/<key>`). */
export interface UploadFolder {
  relativePath: string;
  modifiedAt: Date;
}

/** The file holding a rejected upload's reasons, beside its files. */
export const REASONS_FILE = '.reasons.txt';

/**
 * Per-upload folders under `<home>/spool` (accepted) and `<home>/rejected`. Files are
 * renamed in from the incoming, so an upload is in exactly one place at any time.
 */
export class UploadFolders {
  constructor(
    private readonly home: string,
    private readonly incomingDir: string,
  ) {}

  /** A new, unique folder name for an upload: `<changes stem>-<time>-<random>`. */
  newKey(changesName: string, now: Date): string {
    const stem = changesName.replace(/\.changes$/, '');
    const time = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    return `${stem}-${time}-${randomBytes(3).toString('hex')}`;
  }

  absolute(relativePath: string): string {
    return path.join(this.home, relativePath);
  }

  /** Moves files from the incoming into a new folder; returns its relative path. */
  async moveIn(kind: FolderKind, key: string, names: readonly string[]): Promise<string> {
    const relativePath = path.posix.join(kind, key);
    const dir = this.absolute(relativePath);
    await fs.mkdir(dir, { recursive: false, mode: 0o750 });
    for (const name of names) {
      try {
        await fs.rename(path.join(this.incomingDir, name), path.join(dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    await fsyncDir(dir);
    await fsyncDir(this.incomingDir);
    await fsyncDir(path.dirname(dir));
    return relativePath;
  }

  async writeReasons(relativePath: string, reasons: readonly string[]): Promise<void> {
    const text = reasons.map((r) => `- ${r}\n`).join('');
    await writeFileAtomic(path.join(this.absolute(relativePath), REASONS_FILE), text);
  }

  /** Every upload folder of a kind. */
  async list(kind: FolderKind): Promise<UploadFolder[]> {
    const base = this.absolute(kind);
    let entries;
    try {
      entries = await fs.readdir(base, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const folders: UploadFolder[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const stat = await fs.stat(path.join(base, entry.name));
      folders.push({ relativePath: path.posix.join(kind, entry.name), modifiedAt: stat.mtime });
    }
    return folders;
  }

  /**
   * Puts the files of a folder back into the incoming and removes the folder: for a
   * folder whose upload record a crash prevented. A name uploaded again meanwhile wins.
   */
  async restore(relativePath: string): Promise<string[]> {
    const dir = this.absolute(relativePath);
    const restored: string[] = [];
    for (const name of await fs.readdir(dir)) {
      if (!UPLOAD_FILE_NAME.test(name)) continue;
      try {
        await fs.link(path.join(dir, name), path.join(this.incomingDir, name));
        restored.push(name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    await fsyncDir(this.incomingDir);
    await fs.rm(dir, { recursive: true, force: true });
    return restored;
  }

  async remove(relativePath: string): Promise<void> {
    await fs.rm(this.absolute(relativePath), { recursive: true, force: true });
  }
}
