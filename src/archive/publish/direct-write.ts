import { close, constants, fdatasync, ftruncate, openSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { Slots } from '../map-limited.js';

const writeAt = promisify(
  (fd: number, buffer: Buffer, length: number, position: number, done: (e: Error | null) => void) =>
    write(fd, buffer, 0, length, position, (error) => done(error)),
);
const truncate = promisify(ftruncate);
const sync = promisify(fdatasync);
const closeFd = promisify(close);

/** Files at least this big are written directly; smaller ones cost little either way. */
export const DIRECT_MIN_BYTES = 1 << 20;

/** O_DIRECT wants memory, offsets and lengths aligned to the device's block (4096 at most). */
const ALIGN = 4096;

/** Files written at once, each through a buffer of its own (kept for the next ones). */
const FILES_AT_ONCE = 2;

/** Bytes per write: a multiple of ALIGN and of WebAssembly's 64 KiB page. */
const CHUNK = 2 << 20;

// Node has no aligned allocation, but a WebAssembly memory starts on a page boundary (V8
// maps it whole). Typed here: the project's TypeScript libraries do not declare WebAssembly.
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (pages: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
    };
  }
).WebAssembly;

/**
 * Writes big files with O_DIRECT, through a few aligned buffers it keeps: the bytes go
 * from those to the disk, with no page-cache pages taken and filled on the way. A
 * published index is synced to the disk as soon as it is written anyway; filling fresh
 * page-cache pages first cost three times the direct write on the 2-core VM of the
 * benchmarks, whose free pages go back to the host and fault in again when taken
 * (bench/README.md). Where O_DIRECT is refused (EINVAL: a file system without it, a device
 * wanting a larger alignment), write() returns false and the caller writes the usual way.
 */
export class DirectWriter {
  private readonly spare: Buffer[] = [];
  /** One buffer per file being written; the disk writes one file at a time anyway. */
  private readonly slots = new Slots(FILES_AT_ONCE);

  /**
   * Creates `target` (truncating it) and writes `parts` to it and syncs it, or returns false
   * having written nothing if the file system refuses O_DIRECT. The file is opened and its
   * first chunk submitted before this returns, so the write is under way at once.
   */
  write(target: string, parts: readonly Buffer[], size: number): Promise<boolean> {
    let fd: number;
    try {
      fd = openSync(
        target,
        constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DIRECT,
        0o644,
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EINVAL') return Promise.resolve(false);
      return Promise.reject(error as Error);
    }
    return this.slots.run(async () => {
      const buffer = this.spare.pop() ?? Buffer.from(new Memory(pages(CHUNK)).buffer);
      try {
        await fill(fd, buffer, parts, size);
        await sync(fd);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EINVAL') return false;
        throw error;
      } finally {
        if (this.spare.length < FILES_AT_ONCE) this.spare.push(buffer);
        await closeFd(fd);
      }
    });
  }
}

function pages(bytes: number) {
  const count = bytes / 65536;
  return { initial: count, maximum: count };
}

/** Copies the parts through `buffer` into the file, a chunk at a time, then sets its size. */
async function fill(fd: number, buffer: Buffer, parts: readonly Buffer[], size: number) {
  let used = 0;
  let position = 0;
  for (const part of parts) {
    for (let offset = 0; offset < part.length;) {
      const n = Math.min(part.length - offset, buffer.length - used);
      part.copy(buffer, used, offset, offset + n);
      used += n;
      offset += n;
      if (used === buffer.length) {
        await writeAt(fd, buffer, used, position);
        position += used;
        used = 0;
      }
    }
  }
  if (position + used !== size)
    throw new Error(`${position + used} bytes given for a file of ${size}`);
  if (used > 0) {
    // The last block is written whole, zero-padded, and the file cut back to its size.
    const padded = Math.ceil(used / ALIGN) * ALIGN;
    buffer.fill(0, used, padded);
    await writeAt(fd, buffer, padded, position);
  }
  await truncate(fd, size);
}
