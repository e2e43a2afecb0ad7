import { createReadStream, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { contentsPaths, type Field, readDeb, Stanza } from '../debian/index.js';
import { WorkerPool } from '../shared/worker-pool.js';
import type { ArchiveFormats, DebInfo, FileDigests } from './ports.js';

/** A .deb as the archive reads it, in plain data (it crosses from worker threads). */
export interface DebFileData {
  fields: Field[];
  files: string[];
  digests: FileDigests;
}

/** Packages up to this size are read whole: much cheaper than a stream per file. */
const SMALL_FILE = 8 << 20;

/** Reads a whole file if it is small, else gives undefined (to be streamed). */
export type WholeFileReader = (file: string) => Promise<Buffer | undefined> | Buffer | undefined;

async function readWhole(file: string): Promise<Buffer | undefined> {
  const handle = await open(file);
  try {
    return (await handle.stat()).size <= SMALL_FILE ? await handle.readFile() : undefined;
  } finally {
    await handle.close();
  }
}

/** For worker threads, where blocking on a small read costs less than a thread-pool trip. */
export function readWholeSync(file: string): Buffer | undefined {
  return statSync(file).size <= SMALL_FILE ? readFileSync(file) : undefined;
}

/** Reads a .deb's control data, file list (for Contents) and checksums. */
export async function readDebFile(
  file: string,
  signal?: AbortSignal,
  whole: WholeFileReader = readWhole,
): Promise<DebFileData> {
  const bytes = await whole(file);
  const info = await readDeb(bytes ?? createReadStream(file), {
    files: true,
    hashes: true,
    name: path.basename(file),
    ...(signal ? { signal } : {}),
  });
  return {
    fields: [...info.control.fields],
    files: contentsPaths(info.files ?? []),
    digests: info.hashes!,
  };
}

export function toDebInfo(data: DebFileData): DebInfo {
  const control = new Stanza();
  for (const f of data.fields) control.set(f.name, f.value, f.line);
  return { control, files: data.files, digests: data.digests };
}

/** In-thread reads in flight from which further reads go to worker threads. */
const BULK_READS = 4;

/**
 * The formats with .deb reading spread over worker threads once a bulk of reads is in
 * flight (installing thousands of packages): decoding small packages is CPU-bound, so on
 * one thread it would hold the event loop and leave the other cores idle. A few packages
 * (one upload) are read in-thread, without starting any worker.
 */
export function withReadingThreads(
  formats: ArchiveFormats,
  options: { size?: number; script?: URL } = {},
): ArchiveFormats & { close(): Promise<void> } {
  const pool = new WorkerPool<string, DebFileData>({
    script: options.script ?? new URL('./deb-read-worker.js', import.meta.url),
    size: options.size ?? Math.min(4, availableParallelism()),
  });
  let inThread = 0;
  return {
    ...formats,
    async readDeb(file, signal) {
      if (pool.load > 0 || inThread >= BULK_READS) return toDebInfo(await pool.run(file, signal));
      inThread++;
      try {
        return await formats.readDeb(file, signal);
      } finally {
        inThread--;
      }
    },
    close: () => pool.close(),
  };
}
