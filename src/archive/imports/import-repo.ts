import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { decompressBuffer } from '../../debian/compression.js';
import { parseDeb822, parseSingleStanza } from '../../debian/deb822.js';
import { readPublicKeys } from '../../pgp/read-keys.js';
import { InvalidInputError, SignatureError, UnavailableError } from '../../shared/errors.js';
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
  const read = reader(input.from, deps.fetch, signal);
  const release = await releaseText(read, input);
  const fields = parseSingleStanza(release);
  const sums = new Map(
    (fields.get('SHA256') ?? '')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((parts) => parts.length === 3)
      .map(([sum, size, name]) => [name!, { sum: sum!, size: Number(size) }]),
  );
  const listed = (fields.get('Components') ?? '').split(/\s+/).filter(Boolean);
  const components = input.components ?? listed;
  const missing = components.filter((c) => !listed.includes(c));
  if (missing.length > 0) {
    throw new InvalidInputError(`suite ${input.suite} has no component ${missing.join(', ')}`);
  }
  const architectures = (fields.get('Architectures') ?? '').split(/\s+/).filter(Boolean);
  const work = await mkdtemp(path.join(deps.tmpDir, 'import-repo-'));
  try {
    const files = new Map<string, string>(); // pool path → sha256
    const dist = `dists/${input.suite}`;
    for (const component of components) {
      const indices = [
        ...architectures
          .filter((a) => a !== 'source')
          .map((a) => `${component}/binary-${a}/Packages`),
        `${component}/source/Sources`,
      ];
      for (const index of indices) {
        const text = await indexText(read, dist, index, sums);
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
      if (poolPath.split('/').includes('..')) {
        throw new InvalidInputError(`${poolPath}: a path out of the tree`);
      }
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

type Read = (relative: string) => Promise<Buffer>;

function reader(from: string, fetcher: typeof fetch, signal?: AbortSignal): Read {
  if (/^https?:\/\//.test(from)) {
    const base = from.endsWith('/') ? from : `${from}/`;
    return async (relative) => {
      const url = new URL(relative, base).toString();
      const response = await fetcher(url, { signal }).catch((error: unknown) => {
        throw new UnavailableError(`cannot fetch ${url}: ${(error as Error).message}`);
      });
      if (!response.ok) throw new UnavailableError(`cannot fetch ${url}: HTTP ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    };
  }
  if (!path.isAbsolute(from)) {
    throw new InvalidInputError(
      `${from}: give an absolute path on the daemon's host or an http(s) URL`,
    );
  }
  return (relative) =>
    readFile(path.join(from, relative)).catch((error: unknown) => {
      throw new InvalidInputError(`${path.join(from, relative)}: ${(error as Error).message}`);
    });
}

async function releaseText(read: Read, input: ImportRepoInput): Promise<string> {
  const dist = `dists/${input.suite}`;
  if (!input.key) return (await read(`${dist}/Release`)).toString('utf8');
  const text = (await read(`${dist}/InRelease`)).toString('utf8');
  try {
    const message = await openpgp.readCleartextMessage({ cleartextMessage: text });
    const keys = await readPublicKeys(input.key);
    await openpgp.verify({ message, verificationKeys: keys, expectSigned: true });
    return message.getText();
  } catch (error) {
    throw new SignatureError(
      `${dist}/InRelease is not validly signed by the given key: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** An index as its Release lists it (the first of its compressions there), checked. */
async function indexText(
  read: Read,
  dist: string,
  index: string,
  sums: Map<string, { sum: string; size: number }>,
): Promise<string | null> {
  for (const [suffix, compression] of [
    ['', 'none'],
    ['.gz', 'gzip'],
    ['.xz', 'xz'],
  ] as const) {
    const listed = sums.get(`${index}${suffix}`);
    if (!listed) continue;
    const data = await read(`${dist}/${index}${suffix}`);
    if (sha256(data) !== listed.sum || data.length !== listed.size) {
      throw new InvalidInputError(
        `${dist}/${index}${suffix} does not match the SHA256 its Release states`,
      );
    }
    return (await decompressBuffer(data, compression)).toString('utf8');
  }
  return null;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
