/**
 * Pulls exact byte counts from an async chunk source, holding at most one source chunk
 * besides what the caller asked for. Every byte pulled is passed to `onChunk` once (for
 * hashing the whole file while it is parsed).
 */
export class ByteReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #pending: Buffer = Buffer.alloc(0);
  #done = false;
  /** Bytes handed out so far: the offset in the source. */
  offset = 0;

  constructor(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    private readonly onChunk?: (chunk: Uint8Array) => void,
    private readonly signal?: AbortSignal,
  ) {
    this.#iterator =
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (async function* () {
            yield* source;
          })();
  }

  /** Exactly `n` bytes, or fewer only at the end of the source. */
  async read(n: number): Promise<Buffer> {
    while (this.#pending.length < n && (await this.#pull()));
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(out.length);
    this.offset += out.length;
    return out;
  }

  /** Up to `n` bytes as a sequence of chunks, without buffering them all. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#pending.length === 0 && !(await this.#pull())) return;
      const out = this.#pending.subarray(0, Math.min(left, this.#pending.length));
      this.#pending = this.#pending.subarray(out.length);
      this.offset += out.length;
      left -= out.length;
      yield out;
    }
  }

  /** Skips `n` bytes; returns how many were skipped. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const chunk of this.chunks(n)) skipped += chunk.length;
    return skipped;
  }

  async atEnd(): Promise<boolean> {
    return this.#pending.length === 0 && !(await this.#pull());
  }

  /** Reads the source to its end (so `onChunk` sees every byte). */
  async drain(): Promise<void> {
    while (await this.#pull()) {
      this.offset += this.#pending.length;
      this.#pending = Buffer.alloc(0);
    }
  }

  /** Stops reading: lets the source release its resources. */
  async close(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      await this.#iterator.return?.();
    }
  }

  async #pull(): Promise<boolean> {
    if (this.#done) return false;
    this.signal?.throwIfAborted();
    const { value, done } = await this.#iterator.next();
    if (done) {
      this.#done = true;
      return false;
    }
    const chunk = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
    this.onChunk?.(chunk);
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    return true;
  }
}
