import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { formatByteSize } from '../config/units.js';
import { NotFoundError } from '../shared/errors.js';
import { LogCap, wholeCharacters, type CappedText } from './log-cap.js';

/** The writing end of one build's log. */
export interface LiveLog {
  readonly file: string;
  write(text: string): void;
  /** Bytes dropped so far because the log outgrew its cap (see LiveLogHub). */
  readonly droppedBytes: number;
  /**
   * Writes the kept end of a cut log after its marker line, flushes the file to disk and
   * ends every reader. Returns how many bytes were dropped in all.
   */
  close(): { droppedBytes: number };
}

/** One piece of a log as a reader gets it: text, and the byte offset just after it. */
export interface LogPiece {
  text: string;
  end: number;
}

export interface LogReadOptions {
  /** The byte offset to start at (a resuming client's last `end`). */
  from?: number;
  /** Keep reading what a running build writes until its log ends; else stop at what is there. */
  follow?: boolean;
  signal?: AbortSignal;
}

export interface LiveLogOptions {
  /** Most bytes a log keeps (build.max_log_size); see LogCap. */
  maxBytes: number;
}

/** build.max_log_size by default: 50 MiB. */
export const DEFAULT_MAX_LOG_BYTES = 50 * 1024 * 1024;

interface Entry {
  file: string;
  fd: number;
  /** Bytes in the file. */
  bytes: number;
  cap: LogCap;
  /** Readers waiting for more: woken by each write and by the end. */
  waiters: Set<() => void>;
}

/** Readers read the file in pieces of this size; one piece per reader is in memory. */
const PIECE = 64 * 1024;

/**
 * Build logs as they are written: each goes to its file, capped at `maxBytes` (the start
 * and the end are kept; LogCap), and readers (the web UI's live view, the build_log
 * call, peers) read it from the file at their own pace, so no reader ever holds more
 * than a piece of it and a slow one holds up nobody. A reader of a running build's log
 * gets what the file holds, then what is written, until the build closes its log.
 */
export class LiveLogHub {
  private readonly live = new Map<number, Entry>();

  constructor(private readonly options: LiveLogOptions = { maxBytes: DEFAULT_MAX_LOG_BYTES }) {}

  /** Starts the log of a build (the file is created or emptied). */
  open(buildId: number, file: string): LiveLog {
    if (this.live.has(buildId)) throw new Error(`build ${buildId} already has a live log`);
    mkdirSync(path.dirname(file), { recursive: true });
    const cap = new LogCap(this.options.maxBytes);
    const entry: Entry = {
      file,
      fd: openSync(file, 'w+', 0o644),
      bytes: 0,
      cap,
      waiters: new Set(),
    };
    this.live.set(buildId, entry);
    const append = (piece: CappedText) => {
      if (piece.length === 0) return;
      writeSync(entry.fd, piece);
      entry.bytes += piece.length;
      wake(entry);
    };
    return {
      file,
      get droppedBytes() {
        return cap.droppedBytes;
      },
      write: (text) => {
        if (text === '' || this.live.get(buildId) !== entry) return;
        append(cap.take(Buffer.from(text, 'utf8')));
      },
      close: () => {
        if (this.live.get(buildId) !== entry) return { droppedBytes: cap.droppedBytes };
        append(cap.finish((dropped, kept) => markerLine(dropped, kept, this.options.maxBytes)));
        this.live.delete(buildId);
        fsyncSync(entry.fd);
        closeSync(entry.fd);
        wake(entry);
        return { droppedBytes: cap.droppedBytes };
      },
    };
  }

  isLive(buildId: number): boolean {
    return this.live.has(buildId);
  }

  /**
   * Reads a build's log from `file` (where its record says it is), piece by piece; with
   * `follow`, a running build's log until it is closed. Each piece ends on a whole UTF-8
   * character, and its `end` is the byte offset to resume from. Throws NotFoundError
   * when there is no log; stops quietly when `signal` aborts.
   */
  async *read(
    buildId: number,
    file: string,
    options: LogReadOptions = {},
  ): AsyncGenerator<LogPiece> {
    const entry = this.live.get(buildId);
    const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new NotFoundError(`build ${buildId} has no log (yet)`);
      throw error;
    });
    try {
      yield* this.pieces(handle, buildId, entry, options);
    } finally {
      await handle.close();
    }
  }

  private async *pieces(
    handle: FileHandle,
    buildId: number,
    entry: Entry | undefined,
    { from = 0, follow = false, signal }: LogReadOptions,
  ): AsyncGenerator<LogPiece> {
    const buffer = Buffer.alloc(PIECE);
    let position = from;
    let carried = 0;
    for (;;) {
      if (signal?.aborted) return;
      const live = entry !== undefined && this.live.get(buildId) === entry;
      // A finished log is read to its end; a live one to what has been written so far.
      const size = live ? entry.bytes : Number.POSITIVE_INFINITY;
      let bytesRead = 0;
      if (position + carried < size) {
        const want = Math.min(PIECE - carried, size - position - carried);
        ({ bytesRead } = await handle.read(buffer, carried, want, position + carried));
      }
      if (bytesRead > 0) {
        const filled = carried + bytesRead;
        const whole = wholeCharacters(buffer, filled);
        const text = buffer.toString('utf8', 0, whole);
        buffer.copy(buffer, 0, whole, filled);
        carried = filled - whole;
        position += whole;
        if (whole > 0) yield { text, end: position };
        continue;
      }
      if (!live || !follow) break;
      await changed(entry, signal);
    }
    // Bytes of a character the log ends within (a cut): shown as U+FFFD.
    if (carried > 0) yield { text: buffer.toString('utf8', 0, carried), end: position + carried };
  }
}

/** The line that stands for what was dropped, between the kept start and end of a log. */
function markerLine(dropped: number, kept: number, maxBytes: number): string {
  return `[debyard] ${dropped} bytes of this log were dropped here: it grew past build.max_log_size (${formatByteSize(maxBytes)}); its last ${kept} bytes follow.\n`;
}

function wake(entry: Entry): void {
  for (const waiter of entry.waiters) waiter();
  entry.waiters.clear();
}

/** Resolves at the log's next write or end, or when `signal` aborts. */
function changed(entry: Entry, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      signal?.removeEventListener('abort', done);
      entry.waiters.delete(done);
      resolve();
    };
    entry.waiters.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
