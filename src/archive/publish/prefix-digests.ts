import { createHash, type Hash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * A file's pieces, each named for its content (a segment's content address), with a way to
 * read them from any one on: a big plain index is read back from a SegmentFile.
 */
export interface KeyedChunks {
  keys: readonly string[];
  /** The data of the chunks from the `first` on, in order. */
  from(first: number): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Chunks held in memory. */
export function chunksOf(keys: readonly string[], data: readonly Uint8Array[]): KeyedChunks {
  return {
    keys,
    *from(first) {
      for (let i = first; i < keys.length; i++) yield data[i]!;
    },
  };
}

/** Bytes hashed between two turns of the event loop (about 3 ms at this CPU's 1.5 GB/s). */
const YIELD_BYTES = 4 << 20;

/**
 * Chunks per remembered state. A state is a native object the garbage collector finalizes:
 * one per chunk made thousands per publish of a big index. Resuming up to this many chunks
 * before a change costs about a megabyte of hashing.
 */
const CHUNKS_PER_STATE = 16;

interface Remembered {
  keys: readonly string[];
  /** SHA-256 states after every CHUNKS_PER_STATE chunks: states[i] after (i + 1) × that. */
  states: Hash[];
}

/**
 * SHA-256 of files made of keyed chunks, remembering hash states along the last few files
 * built: a new version of a file is hashed from the last state before its first changed
 * chunk on (Hash.copy of that state), not from its start. An index grows
 * by one package in one segment; everything before that segment is not hashed again.
 * Kept in memory only, so it serves a long-running daemon; a fresh process hashes whole.
 */
export class PrefixDigests {
  private readonly remembered = new Map<string, Remembered>();

  constructor(private readonly capacity = 32) {}

  /**
   * SHA-256 (hex) of `chunks` followed by `tail` (unkeyed, always hashed). Hashing tens of
   * megabytes takes this thread for tens of milliseconds: it hands the thread back every
   * few megabytes, so the writes of the files being published keep going meanwhile.
   */
  async digest(name: string, chunks: KeyedChunks, tail: readonly Uint8Array[]): Promise<string> {
    const { keys } = chunks;
    const previous = this.remembered.get(name);
    let same = 0;
    while (same < keys.length && previous?.keys[same] === keys[same]) same++;
    const states = previous ? previous.states.slice(0, Math.floor(same / CHUNKS_PER_STATE)) : [];
    const start = states.at(-1);
    const current = start ? start.copy() : createHash('sha256');
    let since = 0;
    let i = states.length * CHUNKS_PER_STATE;
    for await (const data of chunks.from(i)) {
      current.update(data);
      if (++i % CHUNKS_PER_STATE === 0) states.push(current.copy());
      since += data.length;
      if (since >= YIELD_BYTES) {
        since = 0;
        await nextTurn();
      }
    }
    if (i !== keys.length) throw new Error(`${name}: read ${i} of ${keys.length} chunks`);
    for (const part of tail) current.update(part);
    this.remember(name, { keys, states });
    return current.digest('hex');
  }

  private remember(name: string, entry: Remembered): void {
    this.remembered.delete(name);
    this.remembered.set(name, entry);
    // Least recently built first: drop those beyond the capacity.
    for (const old of this.remembered.keys()) {
      if (this.remembered.size <= this.capacity) break;
      this.remembered.delete(old);
    }
  }
}
