import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** What `withRegularFile` does with a file that is not a regular one, or cannot be opened. */
export interface RegularFileFallbacks<T> {
  /** What a file that is not regular (a directory, a FIFO, a device) gives, or throws. */
  notRegular: (stat: Stats) => T;
  /** What a failed open gives, or throws (ELOOP: a symbolic link); default: its error. */
  openFailed?: (error: NodeJS.ErrnoException) => T;
}

/**
 * Opens `file` for reading as a regular file written by someone else (a sandbox, a
 * build): a symbolic link is not followed and a FIFO does not block the open. Hands the
 * handle and its stat to `use`, and closes it after.
 */
export async function withRegularFile<T>(
  file: string,
  use: (handle: FileHandle, stat: Stats) => Promise<T>,
  fallbacks: RegularFileFallbacks<T>,
): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (!fallbacks.openFailed) throw error;
    return fallbacks.openFailed(error as NodeJS.ErrnoException);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return fallbacks.notRegular(stat);
    return await use(handle, stat);
  } finally {
    await handle.close();
  }
}
