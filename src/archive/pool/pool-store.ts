import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, linkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { fsyncDir } from '../../shared/atomic-fs.js';
import { mapLimited } from '../map-limited.js';
import { BackgroundLinks } from './background-links.js';

const run = promisify(execFile);

/**
 * The files of a repository's pool on disk, immutable once there and always renamed into
 * place. They are copied (a reflink where the file system can), so a caller rewriting its
 * own file in place can never change the pool — or hard-linked (ten times faster) when the
 * caller hands its files over and promises never to rewrite them in place.
 */
export class PoolStore {
  /** Folders known to exist (a bulk install puts thousands of files in hundreds of them). */
  private readonly folders = new Set<string>();

  constructor(
    private readonly reposRoot: string,
    /** The link thread's script (BackgroundLinks' default when not given). */
    private readonly linkScript?: URL,
  ) {}

  repositoryRoot(repository: string): string {
    return path.join(this.reposRoot, repository);
  }

  absolute(repository: string, poolPath: string): string {
    return path.join(this.repositoryRoot(repository), poolPath);
  }

  /** Puts a file at its pool path, replacing any leftover from an interrupted install. */
  async put(repository: string, poolPath: string, from: string, link = false): Promise<void> {
    const target = this.absolute(repository, poolPath);
    const folder = path.dirname(target);
    if (!this.folders.has(folder)) {
      await fs.mkdir(folder, { recursive: true });
      this.folders.add(folder);
    }
    // A hard link appears whole at once: straight to its place unless a leftover is there.
    if (link && (await tryLink(from, target)) === 'linked') return;
    const temp = path.join(
      folder,
      `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`,
    );
    if (!link || (await tryLink(from, temp)) !== 'linked') {
      await fs.copyFile(from, temp, constants.COPYFILE_FICLONE);
    }
    await fs.rename(temp, target);
  }

  /**
   * Hard-links many handed-over files to their pool paths (a bulk install): synchronous
   * link and mkdir calls, a few hundred per turn of the event loop — each takes a few
   * microseconds, far less than its trip through the thread pool as an asynchronous call.
   * Whatever cannot be linked straight to its place (a leftover there) goes through put.
   */
  async linkMany(
    repository: string,
    files: readonly { poolPath: string; from: string }[],
    signal?: AbortSignal,
  ): Promise<void> {
    const rest: { poolPath: string; from: string }[] = [];
    for (const [i, file] of files.entries()) {
      if (i % 256 === 255) {
        await nextTurn();
        signal?.throwIfAborted();
      }
      const target = this.absolute(repository, file.poolPath);
      const folder = path.dirname(target);
      try {
        if (!this.folders.has(folder)) {
          mkdirSync(folder, { recursive: true });
          this.folders.add(folder);
        }
        linkSync(file.from, target);
      } catch {
        rest.push(file);
      }
    }
    await mapLimited(rest, 8, async (f) => {
      signal?.throwIfAborted();
      await this.put(repository, f.poolPath, f.from, true);
    });
  }

  /**
   * Starts hard-linking many handed-over files on a thread of its own (BackgroundLinks),
   * durable once it is done; undefined where that thread cannot run (use linkMany).
   */
  linkInBackground(
    repository: string,
    files: readonly { poolPath: string; from: string }[],
  ): BackgroundLinks | undefined {
    return BackgroundLinks.start(
      files.map((f) => ({ from: f.from, to: this.absolute(repository, f.poolPath) })),
      this.repositoryRoot(repository),
      ...(this.linkScript ? [this.linkScript] : []),
    );
  }

  async remove(repository: string, poolPath: string): Promise<void> {
    const target = this.absolute(repository, poolPath);
    this.folders.clear();
    await fs.rm(target, { force: true });
    // Drop emptied source and prefix folders; rmdir refuses non-empty ones.
    let dir = path.dirname(target);
    const poolRoot = path.join(this.repositoryRoot(repository), 'pool');
    while (dir.startsWith(poolRoot + path.sep)) {
      try {
        await fs.rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }

  /**
   * Makes files durable before the database names them: fsync each of a few, or one
   * syncfs of the file system for many (much cheaper than thousands of fsyncs).
   */
  async sync(repository: string, poolPaths: readonly string[]): Promise<void> {
    if (poolPaths.length === 0) return;
    if (poolPaths.length > 32) {
      await run('sync', ['-f', this.repositoryRoot(repository)]);
      return;
    }
    const dirs = new Set<string>();
    await Promise.all(
      poolPaths.map(async (p) => {
        const file = this.absolute(repository, p);
        dirs.add(path.dirname(file));
        const handle = await fs.open(file, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    );
    await Promise.all([...dirs].map((d) => fsyncDir(d)));
  }
}

/** Hard-links `from` to `to`: 'exists' when `to` is there already, 'failed' otherwise. */
async function tryLink(from: string, to: string): Promise<'linked' | 'exists' | 'failed'> {
  try {
    await fs.link(from, to);
    return 'linked';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : 'failed';
  }
}
