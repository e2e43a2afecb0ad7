import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { PublishedFile } from './index-records.js';
import { fsyncDir } from '../../shared/atomic-fs.js';
import { mapLimited } from '../map-limited.js';
import type { BuiltFile } from './index-builder.js';

/**
 * Writes distribution trees so that a switch is one atomic rename.
 *
 * Each publish of `<dist>` builds a complete generation folder `.publish/<dist>/<N>`:
 * every index (but an unserved one, listed in the Release only) is first written under its
 * content address `…/by-hash/SHA256/<hex>` (or hard-linked from the previous generation
 * when unchanged), the plain names (Packages.xz, …) are hard links to those, by-hash files
 * of still-retained older generations are linked in too, then Release, InRelease and
 * Release.gpg. Everything is fsynced, the folder
 * renamed into place, and only then does `dists/<dist>` — a symlink — get replaced by a
 * rename. A kill at any moment leaves the old or the new symlink, each naming a complete
 * folder; half-built `.tmp-*` folders are removed at the next start.
 */
export class GenerationWriter {
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

  async write(input: {
    repository: string;
    dist: string;
    generation: number;
    /** The files of changed indices, with content. */
    built: readonly BuiltFile[];
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
    const temp = path.join(base, `.tmp-${input.generation}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(temp, { recursive: true });
    const dirs = new Set<string>([temp]);
    const written: string[] = [];
    const content = new Map(input.built.map((b) => [b.sha256, b]));

    // Each folder is made once, however many files go in it (there are hundreds of links).
    const made = new Map<string, Promise<unknown>>();
    const ensureDir = async (dir: string) => {
      if (!made.has(dir)) made.set(dir, fs.mkdir(dir, { recursive: true }));
      await made.get(dir);
      addDirs(dirs, temp, dir);
    };

    const placeByHash = async (file: PublishedFile, required: boolean) => {
      const rel = byHashPath(file.path, file.sha256);
      const target = path.join(temp, rel);
      await ensureDir(path.dirname(target));
      if (previousDir && (await tryLink(path.join(previousDir, rel), target))) return true;
      const built = content.get(file.sha256);
      if (!built) {
        if (required) throw new Error(`no content for ${file.path} (${file.sha256})`);
        return false;
      }
      await writeParts(target, built.parts);
      written.push(target);
      return true;
    };

    // apt asks for the strongest hash the Release lists: SHA512 is a second name of the file.
    const linkNames = async (file: PublishedFile, plain: boolean) => {
      const primary = path.join(temp, byHashPath(file.path, file.sha256));
      const sha512 = path.join(temp, byHashPath(file.path, file.sha512, 'SHA512'));
      await ensureDir(path.dirname(sha512));
      await tryLink(primary, sha512);
      if (plain) await fs.link(primary, path.join(temp, file.path));
    };
    // The links are independent of each other: many at once (each a thread-pool trip).
    const served = (files: readonly PublishedFile[]) => files.filter((f) => !f.unserved);
    await mapLimited(served(input.files), 16, async (file) => {
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

async function writeParts(target: string, parts: readonly Buffer[]): Promise<void> {
  const handle = await fs.open(
    target,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
    0o644,
  );
  try {
    await handle.writev(parts as Buffer[]);
  } finally {
    await handle.close();
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
