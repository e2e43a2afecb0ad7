import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The modules themselves, not debian/index.js: every reading thread loads this file, and
// the whole of src/debian (with its dependencies) would add ~20 ms to each thread's start.
import { contentsPaths } from '../debian/contents.js';
import { readDeb } from '../debian/deb-reader.js';
import { Stanza } from '../debian/deb822.js';
import { WorkerPool } from '../shared/worker-pool.js';
import type { ArchiveFormats, DebInfo, FileDigests } from './ports.js';

/** A .deb as the archive reads it, in plain data (it crosses from worker threads). */
export interface DebFileData {
  /** The control fields as name, value, name, value, … (flat: cheaper to pass on). */
  fields: string[];
  /** The line of each field in DEBIAN/control. */
  lines: number[];
  /** Paths for Contents (empty unless asked for). */
  files: string[];
  digests: FileDigests;
}

/** What a reading thread is asked: a file, and whether to list data.tar for Contents. */
export interface DebReadRequest {
  file: string;
  contents: boolean;
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
  const fd = openSync(file, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > SMALL_FILE) return undefined;
    const bytes = Buffer.allocUnsafe(size);
    for (let at = 0; at < size;) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n === 0) return bytes.subarray(0, at);
      at += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** Reads a .deb's control data, checksums and (with `contents`) its file list. */
export async function readDebFile(
  file: string,
  options: { contents?: boolean; signal?: AbortSignal; whole?: WholeFileReader } = {},
): Promise<DebFileData> {
  const { signal, whole = readWhole, contents = true } = options;
  const bytes = await whole(file);
  const info = await readDeb(bytes ?? createReadStream(file), {
    files: contents,
    hashes: true,
    name: path.basename(file),
    ...(signal ? { signal } : {}),
  });
  return {
    fields: info.control.fields.flatMap((f) => [f.name, f.value]),
    lines: info.control.fields.map((f) => f.line ?? 0),
    files: contentsPaths(info.files ?? []),
    digests: info.hashes!,
  };
}

export function toDebInfo(data: DebFileData): DebInfo {
  const control = new Stanza();
  data.lines.forEach((line, i) => control.set(data.fields[2 * i]!, data.fields[2 * i + 1]!, line));
  return { control, files: data.files, digests: data.digests };
}

/** Worker threads reading .debs (script: dist's deb-read-worker.js, or as given). */
export function createDebReadingPool(
  options: { size?: number; script?: URL } = {},
): WorkerPool<DebReadRequest, DebFileData> {
  return new WorkerPool<DebReadRequest, DebFileData>({
    script: options.script ?? new URL('./deb-read-worker.js', import.meta.url),
    size: options.size ?? Math.min(4, availableParallelism()),
    // A read leaves megabytes of short-lived garbage: a small young generation is collected
    // often and keeps each thread's memory low (a bulk of 5,001: 229 → 189 MB peak, with
    // readsDone), at no cost in time measured.
    youngGenerationMb: 4,
  });
}

export interface ReadingThreads extends ArchiveFormats {
  /** How many packages were read on worker threads so far. */
  readOnThreads: number;
  /** Worker threads running now. */
  threads: number;
  /** Stops the worker threads. */
  close(): Promise<void>;
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
  options: { script?: URL; size?: number } = {},
): ReadingThreads {
  const script = options.script ?? new URL('./deb-read-worker.js', import.meta.url);
  // Run from the TypeScript sources (the tests), there is no worker script: read in-thread.
  if (!existsSync(fileURLToPath(script)))
    return { ...formats, readOnThreads: 0, threads: 0, close: async () => {} };
  const pool = createDebReadingPool({ ...options, script });
  let inThread = 0;
  let onThreads = 0;
  return {
    ...formats,
    get readOnThreads() {
      return onThreads;
    },
    get threads() {
      return pool.threads;
    },
    async readDeb(file, signal) {
      if (pool.load > 0 || inThread >= BULK_READS) {
        onThreads++;
        return toDebInfo(await pool.run({ file, contents: true }, signal));
      }
      inThread++;
      try {
        return await formats.readDeb(file, signal);
      } finally {
        inThread--;
      }
    },
    readsDone: () => pool.release(),
    close: () => pool.close(),
  };
}
