import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashBuffer, hashStream, MultiHasher } from '../../debian/hashing.js';
import { InvalidInputError } from '../../shared/errors.js';
import { mapLimited } from '../map-limited.js';
import type { FileDigests } from '../ports.js';
import { checkPoolPath, treeUrl } from '../remote-tree/published-tree.js';
import { CheckedFiles } from './checked-files.js';
import { fetchGet, type FileGet } from './http-get.js';

/** A pool file an index names, with the size and SHA256 it states. */
export interface WantedFile {
  poolPath: string;
  size: number;
  sha256: string;
}

export interface DownloadProgress {
  done: number;
  total: number;
  bytes: number;
}

export interface DownloadResult {
  /** Files fetched now; the others were held already. */
  fetched: number;
  fetchedBytes: number;
  /** Every wanted file's size and checksums (pool path → digests), all checked. */
  digests: Map<string, FileDigests>;
}

/**
 * Makes `cacheDir` hold every wanted file, each checked against its size and SHA256,
 * and gives every file's digests (MD5, SHA1, SHA256, SHA512: what the archive indexes).
 * A file held already and still matching is not fetched again, so an update after an
 * interruption or a change fetches only what is missing; a held file the record of
 * checked files (checked-files.ts) vouches for is not even read again. Downloads go to
 * `.partial/` and are renamed into place only whole and checked; whatever is there from
 * an interrupted run is discarded first. The first file that fails ends the download with
 * its reason; what was checked until then is recorded.
 */
export async function downloadPool(input: {
  url: string;
  cacheDir: string;
  files: readonly WantedFile[];
  fetch: typeof fetch;
  /** How pool files are fetched (default: over `fetch`). */
  get?: FileGet;
  parallel?: number;
  progress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}): Promise<DownloadResult> {
  const partial = path.join(input.cacheDir, '.partial');
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const checked = await CheckedFiles.load(input.cacheDir);
  const get = input.get ?? fetchGet(input.fetch);
  const result: DownloadResult = { fetched: 0, fetchedBytes: 0, digests: new Map() };
  const missing: WantedFile[] = [];
  try {
    await mapLimited(input.files, 8, async (file) => {
      checkPoolPath(file.poolPath);
      const local = path.join(input.cacheDir, file.poolPath);
      const digests = await held(local, file, checked);
      if (digests) result.digests.set(file.poolPath, digests);
      else missing.push(file);
    });
    const total = missing.length;
    input.progress?.({ done: 0, total, bytes: 0 });
    await mapLimited(missing, input.parallel ?? 8, async (file) => {
      input.signal?.throwIfAborted();
      const temporary = path.join(partial, randomBytes(8).toString('hex'));
      const digests = await withOwnSignal(input.signal, (signal) =>
        fetchChecked({ url: input.url, get, signal }, file, temporary),
      );
      const target = path.join(input.cacheDir, file.poolPath);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temporary, target);
      await checked.note(target, file.poolPath, digests);
      result.digests.set(file.poolPath, digests);
      result.fetched++;
      result.fetchedBytes += file.size;
      input.progress?.({ done: result.fetched, total, bytes: result.fetchedBytes });
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
    await checked.save();
  }
  return result;
}

async function fetchChecked(
  input: { url: string; get: FileGet; signal?: AbortSignal },
  file: WantedFile,
  temporary: string,
): Promise<FileDigests> {
  const url = treeUrl(input.url, file.poolPath);
  const body = await input.get(url, input.signal);
  if (file.size <= SMALL) {
    // Most packages are small: in memory, checked, written in one call.
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > file.size) {
        body.destroy();
        throw new InvalidInputError(
          `${file.poolPath} is longer than the ${file.size} bytes its index states`,
        );
      }
      chunks.push(chunk);
    }
    const data = Buffer.concat(chunks, length);
    const digests = hashBuffer(data);
    check(file, data.length, digests.sha256);
    await writeFile(temporary, data);
    return digests;
  }
  const hash = new MultiHasher();
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > file.size) {
        done(
          new InvalidInputError(
            `${file.poolPath} is longer than the ${file.size} bytes its index states`,
          ),
        );
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(body, counter, createWriteStream(temporary), { signal: input.signal });
  const digests = hash.digest();
  check(file, size, digests.sha256);
  return digests;
}

function check(file: WantedFile, size: number, digest: string): void {
  if (size < file.size) {
    throw new InvalidInputError(
      `${file.poolPath} is truncated: ${size} bytes arrived, its index states ${file.size}`,
    );
  }
  if (size > file.size) {
    throw new InvalidInputError(
      `${file.poolPath} is longer than the ${file.size} bytes its index states`,
    );
  }
  if (digest !== file.sha256) {
    throw new InvalidInputError(`${file.poolPath} does not match the SHA256 its index states`);
  }
}

/** Files up to this size are fetched and checked in memory. */
const SMALL = 4 * 1024 * 1024;

/**
 * Runs `fn` with a signal of its own that follows `parent` only while it runs: fetch
 * leaves its listener on the signal it is given, and thousands of downloads must not pile
 * thousands of listeners onto the update's signal.
 */
async function withOwnSignal<T>(
  parent: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort(parent?.reason);
  if (parent?.aborted) abort();
  else parent?.addEventListener('abort', abort, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    parent?.removeEventListener('abort', abort);
  }
}

/**
 * The digests of a held file that has the size and SHA256 wanted (undefined: fetch it):
 * the record's when it vouches for the file as it is, else read and hashed again.
 */
async function held(
  local: string,
  file: WantedFile,
  checked: CheckedFiles,
): Promise<FileDigests | undefined> {
  const info = await stat(local).catch(() => null);
  if (!info?.isFile() || info.size !== file.size) return undefined;
  const known = checked.vouch(file.poolPath, info);
  if (known) return known.sha256 === file.sha256 ? known : undefined;
  const digests =
    file.size <= SMALL
      ? hashBuffer(await readFile(local))
      : await hashStream(createReadStream(local));
  if (digests.sha256 !== file.sha256) return undefined;
  await checked.note(local, file.poolPath, digests);
  return digests;
}
