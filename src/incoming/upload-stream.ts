import { Writable } from 'node:stream';
import { formatByteSize } from '../config/units.js';
import { FileSystemError } from './ftp-errors.js';
import type { IncomingArea, PartialFile } from './incoming-area.js';
import type { IncomingSpace } from './incoming-space.js';

export interface UploadStreamOptions {
  area: IncomingArea;
  partial: PartialFile;
  /** The incoming's bound as a whole (total bytes, free disk). */
  space: IncomingSpace;
  /** Most bytes this file may have. */
  maxFileBytes: number;
  /** Bytes the session may still send (the session limit minus what it sent). */
  sessionBytesLeft: number;
  maxSessionBytes: number;
  /** Called with each chunk's size: session accounting, idle-timer refresh. */
  onBytes(count: number): void;
  /** Called once the file is visible in the incoming. */
  onCommitted(name: string): void;
}

/** Data of a refused file read and dropped before the connection is cut. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Receives one FTP upload into a temporary file. Only when the data connection ended
 * normally (`end()`) is the file synced and linked into the incoming; on any error or
 * destroy the temporary file is removed, so a dropped connection leaves nothing.
 */
export class UploadStream extends Writable {
  private written = 0;
  /** Bytes counted in the incoming's space (taken before they are written). */
  private taken = 0;
  private committed = false;
  /** Set when the data connection ended normally: only then is the file complete. */
  private dataEnded = false;
  /** Why the file was refused while it streamed; the rest of its data is dropped. */
  private refused: Error | undefined;
  private discarded = 0;

  constructor(private readonly options: UploadStreamOptions) {
    super({ highWaterMark: 1024 * 1024 });
    // ftp-srv ends a stream that has 'close' listeners by emitting 'close' on it
    // (as its own fs.WriteStream expects); treat that as the end of the data.
    this.on('close', () => {
      if (!this.writableEnded && !this.destroyed) this.end();
    });
  }

  /**
   * Follows the data connection. Must be called before ftp-srv adds its own listeners:
   * on an error ftp-srv calls `end()` before `destroy()`, which must not commit.
   */
  watch(socket: NodeJS.EventEmitter | null | undefined): void {
    if (!socket) return;
    socket.once('end', () => (this.dataEnded = true));
    // A data connection that closes without a proper end (reset, ABOR, session gone)
    // leaves an incomplete file.
    socket.once('close', () => {
      if (!this.dataEnded && !this.destroyed) {
        this.destroy(
          new FileSystemError('The data connection closed before the end of the file', 426),
        );
      }
    });
  }

  /** Bytes received so far. */
  get size(): number {
    return this.written;
  }

  get name(): string {
    return this.options.partial.name;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error) => void): void {
    if (this.refused) {
      this.discard(chunk.length, callback);
      return;
    }
    const limit = this.limitProblem(chunk.length);
    const taking = limit ? Promise.resolve(limit) : this.options.space.take(chunk.length);
    taking
      .then(async (problem) => {
        if (problem) {
          this.refuse(new FileSystemError(problem, 552));
          return;
        }
        if (this.destroyed) {
          this.options.space.release(chunk.length);
          return;
        }
        this.taken += chunk.length;
        this.written += chunk.length;
        this.options.onBytes(chunk.length);
        await this.options.partial.handle.write(chunk);
      })
      .then(
        () => callback(),
        (error: unknown) => callback(asWriteError(error)),
      );
  }

  /** Why `bytes` more break this file's or this session's limit, or null. */
  private limitProblem(bytes: number): string | null {
    const { maxFileBytes, sessionBytesLeft, maxSessionBytes } = this.options;
    const total = this.written + bytes;
    if (total > maxFileBytes) {
      return `${this.name} is larger than ${formatByteSize(maxFileBytes)}, the most one file may have here`;
    }
    if (total > sessionBytesLeft) {
      return `this session has sent more than ${formatByteSize(maxSessionBytes)}, the most one session may send; log in again for more`;
    }
    return null;
  }

  /**
   * Refuses the file: what was received is thrown away at once, the rest of the data is
   * read and dropped (up to DISCARD_LIMIT) so the client finishes sending and reads the
   * reply — a data connection reset under its feet would hide the reason.
   */
  private refuse(error: Error): void {
    this.refused = error;
    this.options.space.release(this.taken);
    this.taken = 0;
    void this.options.area.discard(this.options.partial).catch(() => undefined);
  }

  private discard(bytes: number, callback: (e?: Error) => void): void {
    this.discarded += bytes;
    callback(this.discarded > DISCARD_LIMIT ? this.refused : undefined);
  }

  override _final(callback: (e?: Error) => void): void {
    const { area, partial } = this.options;
    if (this.refused) {
      callback(this.refused);
      return;
    }
    if (!this.dataEnded) {
      callback(new FileSystemError('The data connection failed before the end of the file', 426));
      return;
    }
    (async () => {
      await area.commit(partial);
      this.committed = true;
      this.options.space.committed(this.taken);
      this.options.onCommitted(partial.name);
    })().then(
      () => callback(),
      (error: unknown) => callback(asFtpError(error)),
    );
  }

  override _destroy(error: Error | null, callback: (e?: Error | null) => void): void {
    if (this.committed) {
      callback(error);
      return;
    }
    const { area, partial, space } = this.options;
    space.release(this.taken);
    this.taken = 0;
    area.discard(partial).then(
      () => callback(error),
      () => callback(error),
    );
  }
}

/** A write that failed: a full disk is the 552 of a full incoming. */
function asWriteError(error: unknown): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
    return new FileSystemError('the disk of the incoming is full; try again later', 552);
  }
  return error instanceof Error ? error : new Error(String(error));
}

function asFtpError(error: unknown): Error {
  if (error instanceof Error && error.name === 'ConflictError') {
    return new FileSystemError(error.message, 553);
  }
  return error instanceof Error ? error : new Error(String(error));
}
