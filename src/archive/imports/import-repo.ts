import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDeb822 } from '../../debian/deb822.js';
import { InvalidInputError } from '../../shared/errors.js';
import {
  checkPoolPath,
  sha256,
  suiteIndex,
  suiteRelease,
  treeReader,
} from '../remote-tree/published-tree.js';
import { importDebs, type ImportDebsDeps, type ImportDebsResult } from './import-debs.js';

export interface ImportRepoInput {
  repository: string;
  distribution: string;
  /** The published tree: an absolute path, or an http(s) URL (where dists/ is). */
  from: string;
  /** Its suite (or codename) to take. */
  suite: string;
  /** Its components to take [default: every one its Release lists]. */
  components?: string[];
  /** The armored key its InRelease must be signed with; without it, Release is read unchecked. */
  key?: string;
}

/**
 * Imports a whole published apt tree (reprepro's, aptly's, any): its Release (InRelease
 * verified with the key given), the Packages and Sources indices it lists (checked against
 * its SHA256 sums), and every .deb and source package they name (checked against theirs),
 * then `importDebs` of all of it into the distribution: versions as they are, nothing
 * imported on any problem. Files are fetched into `tmpDir` first, whatever the source.
 */
export async function importRepo(
  deps: ImportDebsDeps & { tmpDir: string; fetch: typeof fetch },
  input: ImportRepoInput,
  signal?: AbortSignal,
): Promise<ImportDebsResult> {
  const read = treeReader(input.from, deps.fetch, signal);
  const {
    sums,
    components: listed,
    architectures,
  } = await suiteRelease(read, input.suite, input.key ?? null);
  const components = input.components ?? listed;
  const missing = components.filter((c) => !listed.includes(c));
  if (missing.length > 0) {
    throw new InvalidInputError(`suite ${input.suite} has no component ${missing.join(', ')}`);
  }
  const work = await mkdtemp(path.join(deps.tmpDir, 'import-repo-'));
  try {
    const files = new Map<string, string>(); // pool path → sha256
    for (const component of components) {
      const indices = [
        ...architectures
          .filter((a) => a !== 'source')
          .map((a) => `${component}/binary-${a}/Packages`),
        `${component}/source/Sources`,
      ];
      for (const index of indices) {
        const text = await suiteIndex(read, input.suite, index, sums);
        if (text === null) continue;
        for (const stanza of parseDeb822(text, { source: index })) {
          const filename = stanza.get('Filename');
          if (filename) files.set(filename, stanza.get('SHA256') ?? '');
          const directory = stanza.get('Directory');
          for (const line of (stanza.get('Checksums-Sha256') ?? '').split('\n')) {
            const [sum, , name] = line.trim().split(/\s+/);
            if (directory && sum && name) files.set(`${directory}/${name}`, sum);
          }
        }
      }
    }
    if (files.size === 0)
      throw new InvalidInputError(`${input.from} ${input.suite} lists no packages`);
    for (const [poolPath, sum] of files) {
      checkPoolPath(poolPath);
      const data = await read(poolPath);
      if (sha256(data) !== sum) {
        throw new InvalidInputError(`${poolPath} does not match the SHA256 its index states`);
      }
      const local = path.join(work, poolPath);
      await mkdir(path.dirname(local), { recursive: true });
      await writeFile(local, data);
    }
    return await importDebs(
      deps,
      { repository: input.repository, distribution: input.distribution, paths: [work] },
      signal,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
