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

// CRC-32 of a concatenation from the CRCs of its parts, as zlib's crc32_combine computes it
// (Node has no binding): CRC(A‖B) = CRC(A)·x^(8·|B|) mod P  ⊕  CRC(B), in GF(2) polynomials
// stored bit-reflected, as the CRC itself is. A published index's gzip trailer is combined
// from its segments' stored CRCs instead of reading every byte after a change again.

const POLY = 0xedb88320;

/** a·b mod P. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N = (() => {
  const table = [0x40000000]; // x^1
  for (let k = 1; k < 32; k++) table.push(multModP(table[k - 1]!, table[k - 1]!));
  return table;
})();

/** x^(n·2^k) mod P. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n) {
    if (n % 2) p = multModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC-32 of A‖B from CRC(A), CRC(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}
