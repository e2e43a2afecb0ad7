import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { PublishedFile } from './index-records.js';
import type { Clock } from '../../shared/clock.js';
import type { GenerationWriter } from './generation-writer.js';

/**
 * After a crash the symlink on disk is the truth about what is published: a generation
 * switched in but not yet recorded is recorded from its own Release file, and half-built
 * generation folders are removed.
 */
export async function reconcileDist(
  deps: { index: ArchiveIndexRepository; generations: GenerationWriter; clock: Clock },
  repository: string,
  dist: string,
): Promise<'recorded' | 'unchanged'> {
  const { index, generations } = deps;
  const onDisk = await generations.current(repository, dist);
  const state = index.dist(dist);
  if (onDisk !== null) await generations.prune(repository, dist, onDisk);
  if (onDisk === null || (state && state.generation === onDisk)) return 'unchanged';
  index.ensureDist(dist, repository);
  const dir = path.join(generations.generationsDir(repository, dist), String(onDisk));
  const [release, meta] = await Promise.all([
    fs.readFile(path.join(dir, 'Release'), 'utf8'),
    fs
      .readFile(path.join(dir, '.generation.json'), 'utf8')
      .then((t) => JSON.parse(t) as { revision: number }),
  ]);
  const date = /^Date: (.*)$/m.exec(release)?.[1] ?? null;
  index.recordPublished({
    dist,
    generation: onDisk,
    revision: meta.revision,
    releaseDate: date ?? deps.clock.now().toUTCString(),
    validUntil: /^Valid-Until: (.*)$/m.exec(release)?.[1] ?? null,
    files: await servedOrNot(dir, releaseFiles(release)),
    retired: [],
    now: deps.clock.now(),
  });
  return 'recorded';
}

/** The files a Release lists, those absent from the generation marked unserved. */
async function servedOrNot(dir: string, files: PublishedFile[]): Promise<PublishedFile[]> {
  const present = await Promise.all(
    files.map((f) =>
      fs.access(path.join(dir, f.path)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return files.map((f, i) => (present[i] ? f : { ...f, unserved: true }));
}

/** The SHA256 (and, in Releases written before it was dropped, SHA512) file lists of a Release file. */
export function releaseFiles(release: string): PublishedFile[] {
  const files = new Map<string, PublishedFile>();
  let section = '';
  for (const line of release.split('\n')) {
    if (!line.startsWith(' ')) {
      section = line.replace(/:.*$/, '');
      continue;
    }
    const [hash, size, file] = line.trim().split(/\s+/) as [string, string, string];
    if (section !== 'SHA256' && section !== 'SHA512') continue;
    const entry: PublishedFile = files.get(file) ?? { path: file, size: Number(size), sha256: '' };
    if (section === 'SHA256') entry.sha256 = hash;
    else entry.sha512 = hash;
    files.set(file, entry);
  }
  return [...files.values()];
}
