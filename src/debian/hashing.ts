import { createHash, type Hash } from 'node:crypto';

/** Size and checksums of a file, as the archive indices list them (lowercase hex). */
export interface FileHashes {
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

/** Feeds every chunk to MD5, SHA-1, SHA-256 and SHA-512 at once. */
export class MultiHasher {
  #size = 0;
  readonly #hashes: [keyof Omit<FileHashes, 'size'>, Hash][] = [
    ['md5', createHash('md5')],
    ['sha1', createHash('sha1')],
    ['sha256', createHash('sha256')],
    ['sha512', createHash('sha512')],
  ];

  update(chunk: Uint8Array): this {
    this.#size += chunk.length;
    for (const [, hash] of this.#hashes) hash.update(chunk);
    return this;
  }

  digest(): FileHashes {
    const result = { size: this.#size } as FileHashes;
    for (const [name, hash] of this.#hashes) result[name] = hash.digest('hex');
    return result;
  }
}

/** Size and all checksums of a stream in one pass. */
export async function hashStream(
  source: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<FileHashes> {
  const hasher = new MultiHasher();
  for await (const chunk of source) {
    signal?.throwIfAborted();
    hasher.update(chunk);
  }
  return hasher.digest();
}

export function hashBuffer(data: Uint8Array | string): FileHashes {
  return new MultiHasher().update(typeof data === 'string' ? Buffer.from(data) : data).digest();
}
