import type { Stats } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileDigests } from '../ports.js';

/** One checked file: its identity when it was checked, and its digests. */
interface Entry {
  size: number;
  /** Whole milliseconds. */
  mtimeMs: number;
  ino: number;
  digests: FileDigests;
}

/** The record's file in a mirror's download cache. */
const RECORD = '.checked.json';

/**
 * The record of a mirror's download cache: each pool file checked (fetched and hashed
 * against the signed index, or hashed again), with its size, modification time and inode
 * then. A later update trusts a held file whose size, modification time and inode are
 * still those recorded, and whose recorded SHA256 is the one the index states now,
 * instead of reading and hashing it again; anything else is hashed again. The record is
 * only a cache: lost or unreadable, every held file is hashed again. It keeps the files
 * of the last update only.
 */
export class CheckedFiles {
  private readonly kept = new Map<string, Entry>();

  private constructor(
    private readonly file: string,
    private readonly previous: ReadonlyMap<string, Entry>,
  ) {}

  static async load(cacheDir: string): Promise<CheckedFiles> {
    const file = path.join(cacheDir, RECORD);
    const text = await readFile(file, 'utf8').catch(() => null);
    let entries: [string, Entry][] = [];
    try {
      entries = text ? (Object.entries(JSON.parse(text) as Record<string, Entry>) as never) : [];
    } catch {
      entries = [];
    }
    return new CheckedFiles(file, new Map(entries));
  }

  /** The recorded digests if the file is still as it was when checked. */
  vouch(poolPath: string, info: Stats): FileDigests | undefined {
    const entry = this.previous.get(poolPath);
    if (
      !entry ||
      entry.size !== info.size ||
      entry.mtimeMs !== Math.round(info.mtimeMs) ||
      entry.ino !== info.ino ||
      entry.digests?.size !== info.size
    ) {
      return undefined;
    }
    this.kept.set(poolPath, entry);
    return entry.digests;
  }

  /** Records a file just checked (`local`: where it is now). */
  async note(local: string, poolPath: string, digests: FileDigests): Promise<void> {
    const info = await stat(local);
    this.kept.set(poolPath, {
      size: info.size,
      mtimeMs: Math.round(info.mtimeMs),
      ino: info.ino,
      digests,
    });
  }

  /** Writes the record (whole, then renamed into place). */
  async save(): Promise<void> {
    const temporary = `${this.file}.${process.pid}.new`;
    await writeFile(temporary, JSON.stringify(Object.fromEntries(this.kept)));
    await rename(temporary, this.file);
  }
}
