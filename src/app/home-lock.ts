import { closeSync, openSync, readFileSync, rmSync, writeSync, constants } from 'node:fs';
import { ConflictError } from '../shared/errors.js';

/** An exclusive claim on a home, held as a file with the owner's PID. */
export interface HomeLock {
  release(): void;
}

/**
 * Takes the lock file or explains who holds it. A lock left by a process that no longer
 * runs (kill -9, power loss) is stale and taken over.
 */
export function acquireHomeLock(file: string, home: string): HomeLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => releaseIfOurs(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (owner !== null && owner !== process.pid && isDebyardProcess(owner)) {
      throw new ConflictError(
        `another debyard (pid ${owner}) is already running on home ${home}; stop it first, or pass another --home`,
        { details: { pid: owner, lockFile: file } },
      );
    }
    rmSync(file, { force: true });
  }
  throw new ConflictError(
    `could not take the lock ${file}; another debyard is starting on ${home}`,
  );
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isDebyardProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A recycled PID belonging to something else does not hold the lock.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|debyard/.test(cmdline);
  } catch {
    return true;
  }
}

function releaseIfOurs(file: string): void {
  if (readOwner(file) === process.pid) rmSync(file, { force: true });
}
