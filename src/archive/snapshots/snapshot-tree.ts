import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PublishedFile } from '../publish/index-records.js';
import { fsyncDir } from '../../shared/atomic-fs.js';
import { byHashPath } from '../publish/generation-writer.js';

const run = promisify(execFile);

/** The signed Release files of a snapshot. */
export interface SnapshotRelease {
  release: string;
  inRelease: string;
  releaseGpg: string;
}

/**
 * The folders of a repository's snapshots: `<repo>/snapshots/<name>/` holds
 * `dists/<dist>/` (hard links to the files of the generation it was taken from, under
 * their names and by hash, and its own signed Release) and `pool`, a symlink to the
 * repository's pool, so `…/snapshots/<name>/` is an apt repository URL of its own.
 */
export class SnapshotTree {
  constructor(private readonly repositoryRoot: (repository: string) => string) {}

  dir(repository: string): string {
    return path.join(this.repositoryRoot(repository), 'snapshots');
  }

  /** Writes the snapshot's folder completely, then renames it into place. */
  async write(input: {
    repository: string;
    name: string;
    dist: string;
    /** The generation folder the snapshot shows. */
    generationDir: string;
    files: readonly PublishedFile[];
    signed: SnapshotRelease;
  }): Promise<void> {
    const base = this.dir(input.repository);
    const temp = path.join(base, `.tmp-${input.name}-${randomBytes(4).toString('hex')}`);
    const distDir = path.join(temp, 'dists', input.dist);
    try {
      await fs.mkdir(distDir, { recursive: true });
      for (const file of input.files) {
        if (file.unserved) continue;
        const names = [file.path, byHashPath(file.path, file.sha256)];
        if (file.sha512) names.push(byHashPath(file.path, file.sha512, 'SHA512'));
        for (const name of names) {
          await fs.mkdir(path.dirname(path.join(distDir, name)), { recursive: true });
          await fs.link(path.join(input.generationDir, file.path), path.join(distDir, name));
        }
      }
      const { release, inRelease, releaseGpg } = input.signed;
      await fs.writeFile(path.join(distDir, 'Release'), release);
      await fs.writeFile(path.join(distDir, 'InRelease'), inRelease);
      await fs.writeFile(path.join(distDir, 'Release.gpg'), releaseGpg);
      await fs.symlink(path.join('..', '..', 'pool'), path.join(temp, 'pool'));
      // Thousands of links: one syncfs is cheaper than fsyncing each folder.
      await run('sync', ['-f', temp]);
      await fs.rename(temp, path.join(base, input.name));
      await fsyncDir(base);
    } catch (error) {
      await fs.rm(temp, { recursive: true, force: true });
      throw error;
    }
  }

  async remove(repository: string, name: string): Promise<void> {
    await fs.rm(path.join(this.dir(repository), name), { recursive: true, force: true });
  }

  /** The snapshot folders on disk, and leftovers of writes a crash cut short. */
  async list(repository: string): Promise<{ names: string[]; leftovers: string[] }> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.dir(repository));
    } catch {
      return { names: [], leftovers: [] };
    }
    return {
      names: entries.filter((e) => !e.startsWith('.')),
      leftovers: entries.filter((e) => e.startsWith('.tmp-')),
    };
  }

  async removeLeftover(repository: string, entry: string): Promise<void> {
    await fs.rm(path.join(this.dir(repository), entry), { recursive: true, force: true });
  }
}

/**
 * A snapshot's Release: the generation's, without Valid-Until (a snapshot never
 * expires) and with the snapshot named in its Description.
 */
export function snapshotReleaseText(release: string, name: string): string {
  return release
    .split('\n')
    .filter((line) => !line.startsWith('Valid-Until:'))
    .map((line) => (line.startsWith('Description:') ? `${line} (snapshot ${name})` : line))
    .join('\n');
}
