import { createHash, hash, type Hash } from 'node:crypto';

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
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<FileHashes> {
  const hasher = new MultiHasher();
  for await (const chunk of source) {
    signal?.throwIfAborted();
    hasher.update(chunk);
  }
  return hasher.digest();
}

/** Size and all checksums of data in memory (one-shot hashing: faster for small files). */
export function hashBuffer(data: Uint8Array | string): FileHashes {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return {
    size: bytes.length,
    md5: hash('md5', bytes, 'hex'),
    sha1: hash('sha1', bytes, 'hex'),
    sha256: hash('sha256', bytes, 'hex'),
    sha512: hash('sha512', bytes, 'hex'),
  };
}
