import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidInputError } from '../shared/errors.js';
import { type Compression, createDecompressor } from './compression.js';

/** One entry of a tar archive, its path normalised (no leading `./`, no trailing `/`). */
export interface TarEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  size: number;
  mode: number;
  /** Target of a symlink or hard link. */
  linkTarget?: string;
}

export type TarVisitor = (entry: TarEntry, content: AsyncIterable<Buffer>) => Promise<void>;

/**
 * Streams a (compressed) tar archive, calling `visit` for each entry in order. The visitor
 * may read the content or leave it; unread content is skipped. Memory stays bounded by
 * the stream buffers, whatever the archive size.
 */
export async function readTar(
  chunks: AsyncIterable<Buffer>,
  compression: Compression,
  visit: TarVisitor,
  what: string,
): Promise<void> {
  const extract = tar.extract();
  let pumpError: unknown;
  const pump = pipeline(
    Readable.from(chunks),
    createDecompressor(compression),
    extract as unknown as Writable,
  ).catch((error: unknown) => {
    pumpError = error;
    extract.destroy(error as Error);
  });
  try {
    for await (const stream of extract) {
      const entry = toEntry(stream.header);
      await visit(entry, stream as AsyncIterable<Buffer>);
      stream.resume();
    }
  } catch (error) {
    await pump;
    throw corrupt(what, pumpError ?? error);
  }
  await pump;
  if (pumpError !== undefined) throw corrupt(what, pumpError);
}

function toEntry(header: tar.Header): TarEntry {
  const entry: TarEntry = {
    path: normalise(header.name),
    type: TYPES[header.type ?? 'file'] ?? 'other',
    size: header.size ?? 0,
    mode: header.mode ?? 0,
  };
  if (header.linkname) entry.linkTarget = header.linkname;
  return entry;
}

const TYPES: Partial<Record<string, TarEntry['type']>> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
};

/** `./usr/bin/x` → `usr/bin/x`, `./` → `` */
export function normalise(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
}

function corrupt(what: string, error: unknown): Error {
  if (error instanceof InvalidInputError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new InvalidInputError(`${what} is corrupt: ${reason}`, { cause: error });
}

/** Reads a whole entry content (for small control files). */
export async function readAll(content: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of content) {
    size += chunk.length;
    if (size > limit) throw new InvalidInputError(`${what} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
