import { crc32 } from 'node:zlib';

/**
 * Joins the blocks of several complete .xz streams into one stream. apt's xz reader stops
 * after the first stream of a file, so concatenated streams would silently lose data; a
 * single stream of many blocks (what `xz -T` writes) is read by everyone. Lets the
 * publisher compress only the segments of an index that changed.
 */

const MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from([0x59, 0x5a]);

export interface XzBlocks {
  /** The two stream-flag bytes (check type). */
  flags: Buffer;
  /** The blocks, each padded to 4 bytes as they were in the stream. */
  blocks: Buffer;
  records: { unpadded: number; uncompressed: number }[];
}

/** Splits one complete single .xz stream into its blocks and index records. */
export function xzBlocks(stream: Uint8Array): XzBlocks {
  const buf = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength);
  if (buf.length < 32 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error('not an xz stream');
  const footer = buf.subarray(buf.length - 12);
  if (!footer.subarray(10).equals(FOOTER_MAGIC)) throw new Error('xz stream has no footer');
  const indexSize = (footer.readUInt32LE(4) + 1) * 4;
  const indexStart = buf.length - 12 - indexSize;
  const index = buf.subarray(indexStart, indexStart + indexSize);
  if (index[0] !== 0) throw new Error('xz index indicator missing');
  let at = 1;
  const read = () => {
    let value = 0;
    let shift = 1;
    for (;;) {
      const byte = index[at++]!;
      value += (byte & 0x7f) * shift;
      if ((byte & 0x80) === 0) return value;
      shift *= 128;
    }
  };
  const count = read();
  const records = Array.from({ length: count }, () => ({ unpadded: read(), uncompressed: read() }));
  return { flags: Buffer.from(buf.subarray(6, 8)), blocks: buf.subarray(12, indexStart), records };
}

function varint(value: number, out: number[]): void {
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function crcLE(data: Uint8Array): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(crc32(data) >>> 0);
  return b;
}

/** One .xz stream holding every block of the parts, in order. */
export function joinXz(parts: readonly XzBlocks[], defaultFlags: Buffer): Buffer[] {
  const flags = parts[0]?.flags ?? defaultFlags;
  for (const p of parts) {
    if (!p.flags.equals(flags)) throw new Error('xz segments use different integrity checks');
  }
  const header = Buffer.concat([MAGIC, flags, crcLE(flags)]);
  const index: number[] = [0];
  varint(
    parts.reduce((n, p) => n + p.records.length, 0),
    index,
  );
  for (const p of parts) {
    for (const r of p.records) {
      varint(r.unpadded, index);
      varint(r.uncompressed, index);
    }
  }
  while (index.length % 4 !== 0) index.push(0);
  const indexBytes = Buffer.from(index);
  const indexFull = Buffer.concat([indexBytes, crcLE(indexBytes)]);
  const backward = Buffer.alloc(4);
  backward.writeUInt32LE(indexFull.length / 4 - 1);
  const tail = Buffer.concat([backward, flags]);
  const footer = Buffer.concat([crcLE(tail), tail, FOOTER_MAGIC]);
  return [header, ...parts.map((p) => p.blocks), indexFull, footer];
}
