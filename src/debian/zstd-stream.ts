import { Decompress } from 'fzstd';
import { InvalidInputError } from '../shared/errors.js';

const FRAME_MAGIC = 0xfd2fb528;

/**
 * Decompresses zstd lazily with bounded memory. fzstd decodes all that one push holds at
 * once, and a few bytes of zstd can stand for megabytes; so the input is cut at block
 * boundaries (RFC 8878 §3.1.1) and pushed one block at a time: each step yields at most
 * one block (≤ 128 KiB), and the consumer's pace drives the decoding.
 */
export async function* zstdChunks(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    if (data.length > 0) out.push(data);
  });
  let buf: Buffer = Buffer.alloc(0);
  const cutter = new BlockCutter();
  for await (const chunk of chunks) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (let n = cutter.next(buf); n > 0 && n <= buf.length; n = cutter.next(buf)) {
      decoder.push(buf.subarray(0, n));
      buf = buf.subarray(n);
      cutter.consumed();
      while (out.length > 0) yield Buffer.from(out.shift()!);
    }
  }
  if (buf.length > 0 || !cutter.atFrameStart()) {
    throw new InvalidInputError('zstd data ends in the middle of a frame');
  }
  decoder.push(new Uint8Array(0), true);
  while (out.length > 0) yield Buffer.from(out.shift()!);
}

type State = 'frame' | 'block' | 'checksum';

/** Tells how many bytes the next structural piece (frame header, block, checksum) needs. */
class BlockCutter {
  #state: State = 'frame';
  #after: State = 'frame';
  #checksum = false;

  atFrameStart(): boolean {
    return this.#state === 'frame';
  }

  /** Length of the next piece, or 0 when more input is needed to know it. */
  next(buf: Buffer): number {
    if (this.#state === 'frame') return this.#frameHeader(buf);
    if (this.#state === 'checksum') {
      this.#after = 'frame';
      return 4;
    }
    if (buf.length < 3) return 0;
    const header = buf[0]! | (buf[1]! << 8) | (buf[2]! << 16);
    const type = (header >> 1) & 3;
    if (type === 3) throw new InvalidInputError('zstd data holds a reserved block type');
    this.#after = header & 1 ? (this.#checksum ? 'checksum' : 'frame') : 'block';
    return 3 + (type === 1 ? 1 : header >>> 3);
  }

  consumed(): void {
    this.#state = this.#after;
  }

  #frameHeader(buf: Buffer): number {
    if (buf.length < 5) return 0;
    const magic = buf.readUInt32LE(0);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (buf.length < 8) return 0;
      this.#after = 'frame';
      return 8 + buf.readUInt32LE(4);
    }
    if (magic !== FRAME_MAGIC) throw new InvalidInputError('not zstd data (bad frame magic)');
    const descriptor = buf[4]!;
    const singleSegment = (descriptor >> 5) & 1;
    const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6]!;
    const dictSize = [0, 1, 2, 4][descriptor & 3]!;
    this.#checksum = ((descriptor >> 2) & 1) === 1;
    this.#after = 'block';
    return 5 + (singleSegment ? 0 : 1) + dictSize + fcsSize;
  }
}
