import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../shared/errors.js';

/** Someone following a build log: its text as it comes, then the end. */
export interface LogListener {
  data(text: string): void;
  end(): void;
}

/** The writing end of one build's log. */
export interface LiveLog {
  readonly file: string;
  write(text: string): void;
  /** Flushes the file to disk and tells every listener the log has ended. */
  close(): void;
}

interface Entry {
  file: string;
  fd: number;
  bytes: number;
  listeners: Set<LogListener>;
}

/**
 * Build logs as they are written: each goes to its file and to whoever follows it
 * (the web UI's live view, `debyard` clients). A late joiner first gets what the file
 * already holds, then the rest live; for a finished build it gets the file and the end.
 * Writes are synchronous, so replay and live text never overlap or leave a gap.
 */
export class LiveLogHub {
  private readonly live = new Map<number, Entry>();

  /** Starts the log of a build (the file is created or emptied). */
  open(buildId: number, file: string): LiveLog {
    if (this.live.has(buildId)) throw new Error(`build ${buildId} already has a live log`);
    mkdirSync(path.dirname(file), { recursive: true });
    const entry: Entry = { file, fd: openSync(file, 'w+', 0o644), bytes: 0, listeners: new Set() };
    this.live.set(buildId, entry);
    return {
      file,
      write: (text) => {
        if (text === '' || !this.live.has(buildId)) return;
        const buffer = Buffer.from(text, 'utf8');
        writeSync(entry.fd, buffer);
        entry.bytes += buffer.length;
        for (const listener of entry.listeners) notify(entry, listener, () => listener.data(text));
      },
      close: () => {
        if (this.live.get(buildId) !== entry) return;
        this.live.delete(buildId);
        fsyncSync(entry.fd);
        closeSync(entry.fd);
        for (const listener of entry.listeners) notify(entry, listener, () => listener.end());
        entry.listeners.clear();
      },
    };
  }

  isLive(buildId: number): boolean {
    return this.live.has(buildId);
  }

  /**
   * Follows a build's log from its start. `file` is where a finished build's log is
   * (from its record). Returns the function that stops following.
   */
  follow(buildId: number, file: string, listener: LogListener): () => void {
    const entry = this.live.get(buildId);
    if (!entry) {
      if (!existsSync(file)) throw new NotFoundError(`build ${buildId} has no log (yet)`);
      listener.data(readFileSync(file, 'utf8'));
      listener.end();
      return () => {};
    }
    const sofar = Buffer.alloc(entry.bytes);
    let offset = 0;
    while (offset < sofar.length) {
      offset += readSync(entry.fd, sofar, offset, sofar.length - offset, offset);
    }
    if (sofar.length > 0) listener.data(sofar.toString('utf8'));
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }
}

/** A listener that throws is dropped; it must not break the build writing the log. */
function notify(entry: Entry, listener: LogListener, call: () => void): void {
  try {
    call();
  } catch {
    entry.listeners.delete(listener);
  }
}
