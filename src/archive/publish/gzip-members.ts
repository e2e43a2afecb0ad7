import { promisify } from 'node:util';
import zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

/**
 * A segment compressed as raw deflate ending in a full flush: byte-aligned and without
 * references to earlier data, so segments can be concatenated into one deflate stream and
 * wrapped in a single gzip member — only changed segments are compressed again.
 */
export function deflateSegment(raw: Uint8Array): Promise<Buffer> {
  return deflateRaw(raw, { level: 6, finishFlush: zlib.constants.Z_FULL_FLUSH });
}

const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0x02, 0x03]);
// A final, empty block with fixed Huffman codes: ends the deflate stream.
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** The parts of one gzip file around already deflated segments. */
export function joinGzip(deflated: readonly Buffer[], crc32: number, length: number): Buffer[] {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32 >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return [HEADER, ...deflated, FINAL_BLOCK, trailer];
}
