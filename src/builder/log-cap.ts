/** Bytes of a log that go to its file now. */
export type CappedText = Buffer;

/** The most of a cut log's end that is kept (a quarter of the cap when that is less). */
const MAX_TAIL = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The size cap of one log. The first `maxBytes - tail` bytes go to the file as they
 * come; after that only the latest `tail` bytes are kept, in memory, for the end (the
 * end of a build's output says why it failed, and the build's summary is there). When
 * the log ends they follow one marker line saying how many bytes were dropped between.
 * So a log never takes more than `maxBytes` and that line.
 */
export class LogCap {
  private headRoom: number;
  private readonly tailLimit: number;
  /** The kept end: `tail[first…]` (an index instead of shift(), which copies). */
  private tail: Buffer[] = [];
  private first = 0;
  private tailBytes = 0;
  private dropped = 0;
  private cut = false;
  private headEndsLine = true;

  constructor(maxBytes: number) {
    this.tailLimit = Math.min(MAX_TAIL, Math.floor(maxBytes / 4));
    this.headRoom = maxBytes - this.tailLimit;
  }

  /** Bytes dropped so far (the end kept in memory is not counted). */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** What of `bytes` goes to the file now: all of it until the start is full, then nothing. */
  take(bytes: Buffer): CappedText {
    if (this.cut) {
      this.keep(bytes);
      return EMPTY;
    }
    if (bytes.length <= this.headRoom) {
      this.headRoom -= bytes.length;
      this.noteHead(bytes);
      return bytes;
    }
    const fits = wholeCharacters(bytes, this.headRoom);
    this.headRoom = 0;
    this.cut = true;
    this.keep(bytes.subarray(fits));
    const head = bytes.subarray(0, fits);
    this.noteHead(head);
    return head;
  }

  /**
   * What goes to the file at the end: nothing for a log within its cap; else the kept
   * end, from a line start when there is one early in it, after `marker(dropped, kept)`.
   */
  finish(marker: (dropped: number, kept: number) => string): CappedText {
    if (!this.cut) return EMPTY;
    let end = Buffer.concat(this.tail.slice(this.first));
    this.tail = [];
    this.first = 0;
    this.tailBytes = 0;
    if (this.dropped === 0) return end;
    const newline = end.indexOf(0x0a);
    let start = newline >= 0 && newline < end.length / 2 ? newline + 1 : 0;
    while (start < end.length && (end[start]! & 0xc0) === 0x80) start++;
    this.dropped += start;
    end = end.subarray(start);
    const line = `${this.headEndsLine ? '' : '\n'}${marker(this.dropped, end.length)}`;
    return Buffer.concat([Buffer.from(line, 'utf8'), end]);
  }

  private noteHead(bytes: Buffer): void {
    if (bytes.length > 0) this.headEndsLine = bytes[bytes.length - 1] === 0x0a;
  }

  /** Keeps the latest `tailLimit` bytes; what falls out is dropped. */
  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    let piece = bytes;
    if (piece.length > this.tailLimit) {
      this.dropped += piece.length - this.tailLimit;
      piece = piece.subarray(piece.length - this.tailLimit);
    }
    this.tail.push(Buffer.from(piece));
    this.tailBytes += piece.length;
    while (this.tailBytes > this.tailLimit) {
      const oldest = this.tail[this.first]!;
      const excess = this.tailBytes - this.tailLimit;
      if (oldest.length <= excess) {
        this.first++;
        this.tailBytes -= oldest.length;
        this.dropped += oldest.length;
      } else {
        this.tail[this.first] = Buffer.from(oldest.subarray(excess));
        this.tailBytes -= excess;
        this.dropped += excess;
      }
    }
    if (this.first > 1024 && this.first * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.first);
      this.first = 0;
    }
  }
}

/** How many of the first `length` bytes of `buffer` are whole UTF-8 characters. */
export function wholeCharacters(buffer: Buffer, length: number): number {
  // A character has at most 4 bytes: a lead byte among the last 3 whose sequence goes
  // past `length` starts an incomplete one.
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = buffer[length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needs > back ? length - back : length;
  }
  return length;
}
