import { lstat, readdir, statfs } from 'node:fs/promises';
import path from 'node:path';

export interface DiskWatchOptions {
  /** The folder whose size is bounded (a build's snapshot and build folder). */
  dir: string;
  limitBytes: number;
  /** Called once, when the folder is found larger than the limit. */
  onExceeded(usedBytes: number): void;
  /** How often the file system's use is checked (cheap). Default 1 s. */
  intervalMs?: number;
  /** The longest time between two walks of the folder (costly). Default 30 s. */
  walkEveryMs?: number;
}

/**
 * A watched disk quota. Every interval it reads the use of the folder's file system
 * (statfs, cheap); it walks the folder itself (the size of every file in it) only when
 * the file system grew by enough to push the folder past its limit, or every
 * `walkEveryMs` anyway (files elsewhere may have shrunk while this one grew). A build
 * may overshoot its limit by what it writes in about one interval.
 */
export class DiskWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastSize = 0;
  private lastFsUsed = 0;
  private lastWalk = 0;
  private busy = false;
  private stopped = false;

  constructor(private readonly options: DiskWatchOptions) {}

  start(): void {
    this.stopped = false;
    this.lastWalk = Date.now();
    const tick = () => {
      if (this.busy || this.stopped) return;
      this.busy = true;
      void this.check().finally(() => (this.busy = false));
    };
    this.timer = setInterval(tick, this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    const fsUsed = await usedOnFileSystem(this.options.dir);
    const estimate = this.lastSize + Math.max(0, fsUsed - this.lastFsUsed);
    const due = Date.now() - this.lastWalk >= (this.options.walkEveryMs ?? 30_000);
    if (estimate <= this.options.limitBytes && !due) return;
    const size = await folderSize(this.options.dir);
    this.lastWalk = Date.now();
    this.lastSize = size;
    this.lastFsUsed = fsUsed;
    if (size > this.options.limitBytes && !this.stopped) {
      this.stop();
      this.options.onExceeded(size);
    }
  }
}

async function usedOnFileSystem(dir: string): Promise<number> {
  try {
    const stats = await statfs(dir);
    return (stats.blocks - stats.bfree) * stats.bsize;
  } catch {
    return Number.MAX_SAFE_INTEGER; // unknown: walk
  }
}

/**
 * The disk space a folder's files take (allocated blocks, each hard-linked file once),
 * without following symbolic links or crossing into other file systems (mounts).
 */
export async function folderSize(dir: string): Promise<number> {
  let top;
  try {
    top = await lstat(dir);
  } catch {
    return 0;
  }
  const seen = new Set<string>();
  let total = top.blocks * 512;
  const queue = [dir];
  while (queue.length > 0) {
    const current = queue.pop()!;
    let entries: string[];
    try {
      entries = await readdir(current);
    } catch {
      continue; // gone, or not a folder
    }
    for (const entry of entries) {
      const file = path.join(current, entry);
      let stats;
      try {
        stats = await lstat(file);
      } catch {
        continue;
      }
      if (stats.dev !== top.dev) continue;
      if (stats.nlink > 1 && !stats.isDirectory()) {
        const id = `${stats.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
      }
      total += stats.blocks * 512;
      if (stats.isDirectory()) queue.push(file);
    }
  }
  return total;
}
