import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { decompressBuffer, type Compression } from '../../debian/compression.js';
import { parseSingleStanza, type Stanza } from '../../debian/deb822.js';
import { readPublicKeys } from '../../pgp/read-keys.js';
import { InvalidInputError, SignatureError, UnavailableError } from '../../shared/errors.js';

/**
 * A published apt tree (reprepro's, aptly's, Debian's) read as apt reads it: the Release
 * of a suite verified with the key given (InRelease, or Release with Release.gpg), its
 * indices checked against the sizes and SHA256 sums it lists. Shared by import-repo and
 * the mirrors.
 */

/** Reads a file of the tree by its path relative to the tree's root. */
export type TreeRead = (relative: string) => Promise<Buffer>;

/** A file as a Release or an index lists it. */
export interface ListedFile {
  sha256: string;
  size: number;
}

export interface SuiteRelease {
  fields: Stanza;
  /** Path below dists/<suite>/ → size and SHA256. */
  sums: Map<string, ListedFile>;
  components: string[];
  architectures: string[];
}

/** A reader of `from`: an absolute path on this host, or an http(s) URL (where dists/ is). */
export function treeReader(from: string, fetcher: typeof fetch, signal?: AbortSignal): TreeRead {
  if (isUrl(from)) {
    return async (relative) => {
      const response = await fetchOk(fetcher, treeUrl(from, relative), signal);
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
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new (missing ? MissingFileError : InvalidInputError)(
        `${path.join(from, relative)}: ${(error as Error).message}`,
      );
    });
}

export const isUrl = (from: string) => /^https?:\/\//.test(from);

export function treeUrl(base: string, relative: string): string {
  return new URL(relative, base.endsWith('/') ? base : `${base}/`).toString();
}

/** A file the tree does not have (HTTP 404, no such file): apt tries the next form. */
export class MissingFileError extends UnavailableError {}

/** Fetches a URL; a network failure or an HTTP error is an UnavailableError saying which. */
export async function fetchOk(
  fetcher: typeof fetch,
  url: string,
  signal?: AbortSignal,
): Promise<Response> {
  const response = await fetcher(url, { signal, redirect: 'follow' }).catch((error: unknown) => {
    throw new UnavailableError(`cannot fetch ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  });
  if (!response.ok) {
    await response.body?.cancel();
    const Error = response.status === 404 ? MissingFileError : UnavailableError;
    throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  }
  return response;
}

/**
 * The Release of `dists/<suite>/`. With a key: InRelease verified with it, or, when the
 * tree has no InRelease, Release verified with its detached Release.gpg (as apt does);
 * a Valid-Until in the past is refused. Without a key Release is read unchecked.
 */
export async function suiteRelease(
  read: TreeRead,
  suite: string,
  key: string | null,
  now: Date = new Date(),
): Promise<SuiteRelease> {
  const dist = `dists/${suite}`;
  const text = key === null ? (await read(`${dist}/Release`)).toString('utf8') : await verified();
  const fields = parseSingleStanza(text, { source: `${dist}/Release` });
  const validUntil = fields.get('Valid-Until');
  if (key !== null && validUntil && Date.parse(validUntil) < now.getTime()) {
    throw new SignatureError(`${dist}/Release expired at ${validUntil} (its Valid-Until)`);
  }
  const words = (name: string) => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
  return {
    fields,
    sums: releaseSums(fields.get('SHA256') ?? ''),
    components: words('Components'),
    architectures: words('Architectures'),
  };

  async function verified(): Promise<string> {
    const keys = await readPublicKeys(key!);
    let inRelease: Buffer | null = null;
    try {
      inRelease = await read(`${dist}/InRelease`);
    } catch (error) {
      if (!(error instanceof MissingFileError)) throw error;
    }
    try {
      if (inRelease) {
        const message = await openpgp.readCleartextMessage({
          cleartextMessage: inRelease.toString('utf8'),
        });
        await openpgp.verify({ message, verificationKeys: keys, expectSigned: true });
        return message.getText();
      }
    } catch (error) {
      throw new SignatureError(
        `${dist}/InRelease is not validly signed by the given key: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const release = await read(`${dist}/Release`);
    const detached = await read(`${dist}/Release.gpg`);
    try {
      const signature = await readSignature(detached);
      const message = await openpgp.createMessage({ binary: release });
      await openpgp.verify({ message, signature, verificationKeys: keys, expectSigned: true });
      return release.toString('utf8');
    } catch (error) {
      throw new SignatureError(
        `${dist}/Release is not validly signed by the given key (Release.gpg): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

async function readSignature(data: Buffer): Promise<openpgp.Signature> {
  const text = data.toString('latin1');
  return text.includes('-----BEGIN PGP SIGNATURE-----')
    ? openpgp.readSignature({ armoredSignature: text })
    : openpgp.readSignature({ binarySignature: data });
}

/** The SHA256 field of a Release: path → size and sum. */
export function releaseSums(field: string): Map<string, ListedFile> {
  return new Map(
    field
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((parts) => parts.length === 3)
      .map(([sum, size, name]) => [name!, { sha256: sum!, size: Number(size) }]),
  );
}

/** apt's order: the smallest download first. */
const INDEX_FORMS: readonly [string, Compression][] = [
  ['.xz', 'xz'],
  ['.gz', 'gzip'],
  ['', 'none'],
];

/**
 * An index (e.g. `main/binary-amd64/Packages`) of `dists/<suite>/` in the first form its
 * Release lists (xz, gzip, plain), its size and SHA256 checked; null when none is listed.
 * With `byHash` (the Release says Acquire-By-Hash: yes) it is fetched by its SHA256
 * (`…/by-hash/SHA256/<sum>`), so a remote publishing a new Release meanwhile does not
 * break the read; by its name if the tree has no such file.
 */
export async function suiteIndex(
  read: TreeRead,
  suite: string,
  index: string,
  sums: ReadonlyMap<string, ListedFile>,
  byHash = false,
): Promise<string | null> {
  for (const [suffix, compression] of INDEX_FORMS) {
    const listed = sums.get(`${index}${suffix}`);
    if (!listed) continue;
    const byName = `dists/${suite}/${index}${suffix}`;
    const hashed = `dists/${suite}/${path.posix.dirname(index)}/by-hash/SHA256/${listed.sha256}`;
    let where = byHash ? hashed : byName;
    const data = await read(where).catch((error: unknown) => {
      if (!byHash || !(error instanceof MissingFileError)) throw error;
      where = byName;
      return read(byName);
    });
    if (data.length !== listed.size || sha256(data) !== listed.sha256) {
      throw new InvalidInputError(
        `${where} does not match the size and SHA256 its Release states (${data.length} bytes, ${listed.size} listed)`,
      );
    }
    return (await decompressBuffer(data, compression)).toString('utf8');
  }
  return null;
}

/** A pool path an index names must stay inside the tree. */
export function checkPoolPath(poolPath: string): void {
  if (poolPath.startsWith('/') || poolPath.split('/').includes('..') || poolPath.includes('\\')) {
    throw new InvalidInputError(`${poolPath}: a path out of the tree`);
  }
}

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
