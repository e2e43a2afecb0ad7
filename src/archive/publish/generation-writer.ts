import { randomBytes } from 'node:crypto';
import { close, constants, fdatasync, mkdirSync, openSync, promises as fs, writev } from 'node:fs';
import path from 'node:path';
import type { PublishedFile } from './index-records.js';
import { fsyncDir } from '../../shared/atomic-fs.js';
import { mapLimited } from '../map-limited.js';
import type { BuiltFile } from './index-builder.js';
import { DIRECT_MIN_BYTES, DirectWriter } from './direct-write.js';

/**
 * Writes distribution trees so that a switch is one atomic rename.
 *
 * Each publish of `<dist>` builds a complete generation folder `.publish/<dist>/<N>`: the
 * files of changed indices are written under their plain names (stage(); an unserved one,
 * listed in the Release only, is not written) and linked under their content address
 * `…/by-hash/SHA256/<hex>` (retained files of generations that listed SHA512 too keep
 * their `…/SHA512/<hex>` name); unchanged ones are hard-linked by hash
 * from the previous generation and by their plain names; by-hash files of still-retained
 * older generations are linked in too; then Release, InRelease and Release.gpg.
 * Everything is fsynced, the folder renamed into place, and only then does `dists/<dist>` —
 * a symlink — get replaced by a rename. A kill at any moment leaves the old or the new
 * symlink, each naming a complete folder; half-built `.tmp-*` folders are removed at the
 * next start.
 */
export class GenerationWriter {
  private readonly direct = new DirectWriter();

  constructor(private readonly repositoryRoot: (repository: string) => string) {}

  generationsDir(repository: string, dist: string): string {
    return path.join(this.repositoryRoot(repository), '.publish', dist);
  }

  link(repository: string, dist: string): string {
    return path.join(this.repositoryRoot(repository), 'dists', dist);
  }

  /** The generation number the distribution's symlink points to, or null. */
  async current(repository: string, dist: string): Promise<number | null> {
    try {
      const target = await fs.readlink(this.link(repository, dist));
      const n = Number(path.basename(target));
      return Number.isInteger(n) ? n : null;
    } catch {
      return null;
    }
  }

  /**
   * Starts a generation: creates its temporary folder and hands the served files of changed
   * indices, under their plain names, to the thread pool to write, while the caller hashes
   * them for the Release (that hashing keeps this thread busy: the folders and files are
   * made synchronously, so every write is under way before it starts). write() finishes
   * the generation; discard() drops it.
   */
  stage(
    repository: string,
    dist: string,
    generation: number,
    built: readonly BuiltFile[],
  ): StagedGeneration {
    const base = this.generationsDir(repository, dist);
    const temp = path.join(base, `.tmp-${generation}-${randomBytes(4).toString('hex')}`);
    const served = built.filter((b) => !b.unserved);
    let done: Promise<unknown>;
    try {
      mkdirSync(temp, { recursive: true });
      for (const dir of new Set(served.map((b) => path.dirname(path.join(temp, b.path))))) {
        mkdirSync(dir, { recursive: true });
      }
      done = Promise.all(served.map((b) => this.startWrite(path.join(temp, b.path), b)));
    } catch (error) {
      done = Promise.reject(error as Error);
    }
    // Awaited by write() or discard(); a failure must not go unhandled before then.
    done.catch(() => undefined);
    return { temp, done: done.then(() => undefined), paths: new Set(served.map((b) => b.path)) };
  }

  /** Big files go to the disk directly (DirectWriter), unless the file system refuses. */
  private async startWrite(target: string, file: BuiltFile): Promise<void> {
    const direct =
      file.size >= DIRECT_MIN_BYTES && this.direct.write(target, file.parts, file.size);
    if (!direct || !(await direct)) await writeBuffered(target, file);
  }

  /** Removes a staged generation that will not be written (its writes finished first). */
  async discard(staged: StagedGeneration): Promise<void> {
    await staged.done.catch(() => undefined);
    await fs.rm(staged.temp, { recursive: true, force: true });
  }

  async write(input: {
    repository: string;
    dist: string;
    generation: number;
    /** The generation stage() began, holding the served files of changed indices. */
    staged: StagedGeneration;
    /** Every file the Release names (changed or not). */
    files: readonly PublishedFile[];
    /** By-hash files of older generations to keep serving. */
    retained: readonly PublishedFile[];
    release: string;
    inRelease: string;
    releaseGpg: string;
    /** The Release's Date: the Release files' modification time. */
    date: Date;
    meta: Record<string, unknown>;
  }): Promise<void> {
    const base = this.generationsDir(input.repository, input.dist);
    const previous = await this.current(input.repository, input.dist);
    const previousDir = previous === null ? null : path.join(base, String(previous));
    const { temp, paths: staged } = input.staged;
    await input.staged.done;
    const dirs = new Set<string>([temp]);
    // The staged files were synced as they were written.
    for (const file of staged) addDirs(dirs, temp, path.dirname(path.join(temp, file)));
    const written: string[] = [];

    // Each folder is made once, however many files go in it (there are hundreds of links).
    const made = new Map<string, Promise<unknown>>();
    const ensureDir = async (dir: string) => {
      if (!made.has(dir)) made.set(dir, fs.mkdir(dir, { recursive: true }));
      await made.get(dir);
      addDirs(dirs, temp, dir);
    };

    // A file of an older generation: linked from the previous one, if that still has it.
    const placeByHash = async (file: PublishedFile, required: boolean) => {
      const rel = byHashPath(file.path, file.sha256);
      const target = path.join(temp, rel);
      await ensureDir(path.dirname(target));
      if (previousDir && (await tryLink(path.join(previousDir, rel), target))) return true;
      if (required) throw new Error(`no content for ${file.path} (${file.sha256})`);
      return false;
    };

    // apt asks for the strongest hash the Release lists: a Release of an older version
    // listed SHA512 too, and a client holding it asks under that name.
    const linkNames = async (file: PublishedFile, plain: boolean) => {
      const primary = path.join(temp, byHashPath(file.path, file.sha256));
      if (file.sha512) {
        const sha512 = path.join(temp, byHashPath(file.path, file.sha512, 'SHA512'));
        await ensureDir(path.dirname(sha512));
        await tryLink(primary, sha512);
      }
      if (plain) await fs.link(primary, path.join(temp, file.path));
    };
    // A staged file (written under its plain name) gets its by-hash name.
    const linkStaged = async (file: PublishedFile) => {
      const target = path.join(temp, byHashPath(file.path, file.sha256));
      await ensureDir(path.dirname(target));
      await tryLink(path.join(temp, file.path), target);
    };
    // The links are independent of each other: many at once (each a thread-pool trip).
    const served = (files: readonly PublishedFile[]) => files.filter((f) => !f.unserved);
    await mapLimited(served(input.files), 16, async (file) => {
      if (staged.has(file.path)) return linkStaged(file);
      await placeByHash(file, true);
      await linkNames(file, true);
    });
    const current = new Set(input.files.map((f) => byHashPath(f.path, f.sha256)));
    const retained = new Map<string, PublishedFile>();
    for (const file of served(input.retained)) {
      const rel = byHashPath(file.path, file.sha256);
      if (!current.has(rel)) retained.set(rel, file);
    }
    await mapLimited([...retained.values()], 16, async (file) => {
      if (await placeByHash(file, false)) await linkNames(file, false);
    });
    for (const [name, text] of [
      ['Release', input.release],
      ['InRelease', input.inRelease],
      ['Release.gpg', input.releaseGpg],
      ['.generation.json', JSON.stringify(input.meta)],
    ] as const) {
      await fs.writeFile(path.join(temp, name), text);
      // HTTP dates have whole seconds: two publishes in one second would look unmodified
      // to a client's If-Modified-Since; the Date of each Release is a later second.
      await fs.utimes(path.join(temp, name), input.date, input.date);
      written.push(path.join(temp, name));
    }
    await Promise.all(written.map(syncFile));
    await Promise.all([...dirs].map(fsyncDir));
    const final = path.join(base, String(input.generation));
    await fs.rm(final, { recursive: true, force: true });
    await fs.rename(temp, final);
    await fsyncDir(base);
    await this.switchLink(input.repository, input.dist, input.generation);
  }

  /** Points `dists/<dist>` at a generation, atomically. */
  async switchLink(repository: string, dist: string, generation: number): Promise<void> {
    const link = this.link(repository, dist);
    const distsDir = path.dirname(link);
    await fs.mkdir(distsDir, { recursive: true });
    const temp = path.join(distsDir, `.${dist}.${randomBytes(4).toString('hex')}.tmp`);
    await fs.symlink(path.join('..', '.publish', dist, String(generation)), temp);
    await fs.rename(temp, link);
    await fsyncDir(distsDir);
  }

  /** Removes a distribution's published tree: its `dists/` link, then its generations. */
  async remove(repository: string, dist: string): Promise<void> {
    await fs.rm(this.link(repository, dist), { force: true });
    await fs.rm(this.generationsDir(repository, dist), { recursive: true, force: true });
  }

  /** Removes generation folders other than the current and the one before, and leftovers. */
  async prune(repository: string, dist: string, current: number): Promise<void> {
    const base = this.generationsDir(repository, dist);
    let names: string[];
    try {
      names = await fs.readdir(base);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((n) => n.startsWith('.tmp-') || (Number(n) < current - 1 && /^\d+$/.test(n)))
        .map((n) => fs.rm(path.join(base, n), { recursive: true, force: true })),
    );
  }
}

/** A generation begun by GenerationWriter.stage. */
export interface StagedGeneration {
  temp: string;
  /** Settles once the staged files are written. */
  done: Promise<void>;
  /** The plain paths written. */
  paths: ReadonlySet<string>;
}

export function byHashPath(file: string, hash: string, algorithm = 'SHA256'): string {
  return path.posix.join(path.posix.dirname(file), 'by-hash', algorithm, hash);
}

function addDirs(dirs: Set<string>, root: string, dir: string): void {
  for (let d = dir; d.startsWith(root) && !dirs.has(d); d = path.dirname(d)) dirs.add(d);
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await fs.link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return true;
    return false;
  }
}

/**
 * Opens `target` and submits one vectored write of the file's parts, then its fdatasync
 * (so the disk writes too overlap the hashing); settles once closed.
 */
function writeBuffered(target: string, { parts, size }: BuiltFile): Promise<void> {
  const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  return new Promise((resolve, reject) => {
    const finish = (error: Error | null) =>
      close(fd, (closeError) => {
        const failed = error ?? closeError;
        if (failed) reject(failed);
        else resolve();
      });
    writev(fd, parts, (error, written) => {
      if (error) finish(error);
      else if (written !== size)
        finish(new Error(`${target}: ${written} of ${size} bytes written`));
      else fdatasync(fd, finish);
    });
  });
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
