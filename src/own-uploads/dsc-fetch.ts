import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseDsc, type Dsc } from '../debian/index.js';
import { InvalidInputError, NotFoundError } from '../shared/errors.js';

/** A .dsc larger than this is no .dsc. */
const MAX_DSC_BYTES = 1024 * 1024;

export interface FetchLimits {
  /** Most bytes of all the files together (the .dsc included). */
  maxBytes: number;
  signal?: AbortSignal;
}

/**
 * Downloads a source package over http(s) into `dir`: the .dsc (from `url`, or given as
 * text), then every file it lists from beside it (`base`), each checked against the
 * size and SHA-256 the .dsc states while it streams; nothing larger than stated, nothing
 * beyond `maxBytes` in all. Returns the .dsc's path and what it says.
 */
export async function fetchSource(
  input: { url?: string; text?: string; base?: string },
  dir: string,
  limits: FetchLimits,
): Promise<{ dscPath: string; dsc: Dsc; origin: string }> {
  const dscUrl = input.url === undefined ? undefined : httpUrl(input.url, 'the .dsc URL');
  const base = httpUrl(input.base ?? input.url ?? '', 'the URL of the source files');
  const text =
    input.text ?? (await download(dscUrl!, MAX_DSC_BYTES, limits.signal)).toString('utf8');
  const name = dscUrl ? decodeURIComponent(path.posix.basename(dscUrl.pathname)) : undefined;
  const dsc = parseDsc(text, name ?? 'the .dsc');
  const fileName = `${dsc.source}_${dsc.version.replace(/^\d+:/, '')}.dsc`;
  if (name !== undefined && name !== fileName) {
    throw new InvalidInputError(`${name} is named unlike its contents (${fileName})`);
  }
  let total = Buffer.byteLength(text);
  for (const file of dsc.files) total += file.size;
  if (total > limits.maxBytes) {
    throw new InvalidInputError(
      `${fileName} and its files are ${total} bytes, more than ports.max_download_size (${limits.maxBytes})`,
    );
  }
  await fs.writeFile(path.join(dir, fileName), text);
  for (const file of dsc.files) {
    // .dsc file names are plain (letters, digits, . + ~ _ -): they need no escaping.
    const url = new URL(file.name, base);
    await downloadTo(url, path.join(dir, file.name), file, limits.signal);
  }
  return { dscPath: path.join(dir, fileName), dsc, origin: dscUrl?.href ?? base.href };
}

function httpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError(`${what} "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(`${what} must be http:// or https://, not ${url.protocol}//`);
  }
  return url;
}

async function open(url: URL, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new NotFoundError(`cannot download ${url.href}: ${cause ?? (error as Error).message}`);
  }
  const final = new URL(response.url || url.href);
  if (final.protocol !== 'http:' && final.protocol !== 'https:') {
    throw new InvalidInputError(
      `${url.href} redirects to ${final.protocol}//, which is not http(s)`,
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new NotFoundError(
      `cannot download ${url.href}: ${response.status} ${response.statusText}`.trim(),
    );
  }
  return response;
}

/** Reads at most `max` bytes (a larger body is refused). */
async function download(url: URL, max: number, signal?: AbortSignal): Promise<Buffer> {
  const response = await open(url, signal);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new InvalidInputError(`${url.href} is larger than ${max} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Streams a file to disk, refusing more bytes than stated and checking its SHA-256. */
async function downloadTo(
  url: URL,
  target: string,
  stated: { name: string; size: number; sha256?: string },
  signal?: AbortSignal,
): Promise<void> {
  const response = await open(url, signal);
  const hash = createHash('sha256');
  let size = 0;
  const counted = Readable.fromWeb(response.body as never).map((chunk: Buffer) => {
    size += chunk.length;
    if (size > stated.size) {
      throw new InvalidInputError(
        `${stated.name} is larger than the ${stated.size} bytes the .dsc states`,
      );
    }
    hash.update(chunk);
    return chunk;
  });
  await pipeline(counted, createWriteStream(target, { flags: 'wx' }), { signal });
  const sha256 = hash.digest('hex');
  if (size !== stated.size || sha256 !== stated.sha256) {
    throw new InvalidInputError(
      `${stated.name} does not match the .dsc: ${size} bytes with SHA-256 ${sha256}, the .dsc states ${stated.size} bytes with ${stated.sha256}`,
    );
  }
}
