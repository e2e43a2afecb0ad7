import { Writable } from 'node:stream';
import { formatByteSize } from '../config/units.js';
import { FileSystemError } from './ftp-errors.js';
import type { IncomingArea, PartialFile } from './incoming-area.js';

export interface UploadStreamOptions {
  area: IncomingArea;
  partial: PartialFile;
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

/**
 * Receives one FTP upload into a temporary file. Only when the data connection ended
 * normally (`end()`) is the file synced and linked into the incoming; on any error or
 * destroy the temporary file is removed, so a dropped connection leaves nothing.
 */
export class UploadStream extends Writable {
  private written = 0;
  private committed = false;
  /** Set when the data connection ended normally: only then is the file complete. */
  private dataEnded = false;

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
    const { maxFileBytes, sessionBytesLeft, maxSessionBytes } = this.options;
    const total = this.written + chunk.length;
    if (total > maxFileBytes) {
      callback(
        new FileSystemError(
          `${this.name} is larger than ${formatByteSize(maxFileBytes)}, the most one file may have here`,
          552,
        ),
      );
      return;
    }
    if (total > sessionBytesLeft) {
      callback(
        new FileSystemError(
          `this session has sent more than ${formatByteSize(maxSessionBytes)}, the most one session may send; log in again for more`,
          552,
        ),
      );
      return;
    }
    this.written = total;
    this.options.onBytes(chunk.length);
    this.options.partial.handle.write(chunk).then(() => callback(), callback);
  }

  override _final(callback: (e?: Error) => void): void {
    const { area, partial } = this.options;
    if (!this.dataEnded) {
      callback(new FileSystemError('The data connection failed before the end of the file', 426));
      return;
    }
    (async () => {
      await area.commit(partial);
      this.committed = true;
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
    const { area, partial } = this.options;
    area.discard(partial).then(
      () => callback(error),
      () => callback(error),
    );
  }
}

function asFtpError(error: unknown): Error {
  if (error instanceof Error && error.name === 'ConflictError') {
    return new FileSystemError(error.message, 553);
  }
  return error instanceof Error ? error : new Error(String(error));
}
