import { Duplex, PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { createUnxz, createXz, unxzSync } from 'node-liblzma';
import { hasNativeXz, unxzOneCall } from './xz-one-call.js';
import { zstdChunks } from './zstd-stream.js';

/** Compressions of .deb members and archive indices. */
export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';

const EXTENSIONS: Record<Compression, string> = { none: '', gzip: '.gz', xz: '.xz', zstd: '.zst' };

/** The file name extension of a compression ('' for none). */
export function compressionExtension(compression: Compression): string {
  return EXTENSIONS[compression];
}

/** The compression named by a file name's extension (none when it has no known one). */
export function compressionOfName(name: string): Compression | undefined {
  if (name.endsWith('.gz')) return 'gzip';
  if (name.endsWith('.xz')) return 'xz';
  if (name.endsWith('.zst')) return 'zstd';
  if (/\.(bz2|lzma|lz4|Z)$/.test(name)) return undefined;
  return 'none';
}

/**
 * A streaming decompressor: gzip via zlib, xz via liblzma, zstd via fzstd. All honour
 * backpressure, so a small input that expands enormously never sits in memory whole.
 */
export function createDecompressor(compression: Compression): Transform {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip();
    case 'xz':
      return createUnxz() as unknown as Transform;
    case 'zstd':
      return zstdDecompressor();
    case 'none':
      return new PassThrough();
  }
}

/** The most a small member may decode to in one synchronous call. */
const ONE_CALL_OUTPUT_LIMIT = 64 << 20;

/**
 * How far each format can expand at most: deflate 1:1032, LZMA2 about 1:7000 (256 MiB of
 * zeros take 39 KB in xz), zstd 1:32768 (a 4-byte RLE block stands for 128 KiB).
 */
const MAX_EXPANSION: Record<Compression, number> = { none: 1, gzip: 1032, xz: 7300, zstd: 32768 };

/**
 * Decompresses a member in one synchronous call, or returns undefined when it is too big
 * for that (what it might expand to exceeds 64 MiB): those go through the bounded streams
 * of createDecompressor. For the few hundred bytes of a typical control.tar, setting up a
 * stream pipeline costs ten times more than the decoding.
 */
export function decompressInOneCall(data: Buffer, compression: Compression): Buffer | undefined {
  if (data.length * MAX_EXPANSION[compression] > ONE_CALL_OUTPUT_LIMIT) return undefined;
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
      return zlib.gunzipSync(data);
    case 'xz':
      // One 16 KiB output chunk holds a typical control.tar (one 10 KiB tar record).
      return hasNativeXz()
        ? unxzOneCall(data, ONE_CALL_OUTPUT_LIMIT)
        : unxzSync(data, { chunkSize: 16 << 10 });
    case 'zstd': {
      const out = zstdDecompress(data);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
  }
}

function zstdDecompressor(): Transform {
  // A Duplex over the generator: output is decoded only as fast as it is read.
  return Duplex.from(zstdChunks) as unknown as Transform;
}

/** A streaming compressor for archive indices (gzip -9 without name or time; xz -6). */
export function createCompressor(compression: 'gzip' | 'xz' | 'none'): Transform {
  if (compression === 'gzip') return zlib.createGzip({ level: 9 });
  if (compression === 'xz') return createXz({ preset: 6 }) as unknown as Transform;
  return new PassThrough();
}

/** Compresses a whole buffer (an index file) with the given compression. */
export async function compressBuffer(
  data: Uint8Array | string,
  compression: 'gzip' | 'xz' | 'none',
  signal?: AbortSignal,
): Promise<Buffer> {
  const input = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
  if (compression === 'none') return input;
  if (compression === 'gzip') return zlib.gzipSync(input, { level: 9 });
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await pipeline([input], createCompressor(compression), sink, signal ? { signal } : {});
  return Buffer.concat(chunks);
}

/** Decompresses a whole buffer. */
export async function decompressBuffer(data: Uint8Array, compression: Compression): Promise<Buffer> {
  if (compression === 'gzip') return zlib.gunzipSync(data);
  if (compression === 'none') return Buffer.from(data);
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await pipeline([Buffer.from(data)], createDecompressor(compression), sink);
  return Buffer.concat(chunks);
}
