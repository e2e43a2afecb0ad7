import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInputError, TooLargeError } from '../shared/errors.js';
import type { PeerFile } from './peer-api.js';

/** File names a peer job may carry: no paths, nothing hidden. */
export const PEER_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~_-]*$/;

/**
 * Writes `source` to `dir/<name>` only if it has exactly the declared size and SHA-256;
 * otherwise nothing stays behind and InvalidInputError says what differed.
 */
export async function receiveFile(
  dir: string,
  file: PeerFile,
  source: Readable,
  signal?: AbortSignal,
): Promise<void> {
  const target = path.join(dir, file.name);
  const partial = path.join(dir, `.${file.name}.part`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > file.size) {
        done(new TooLargeError(`${file.name}: more than the declared ${file.size} bytes`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(partial, { mode: 0o644 }), { signal });
    const digest = hash.digest('hex');
    if (size !== file.size) {
      throw new InvalidInputError(`${file.name}: ${size} bytes arrived, ${file.size} declared`);
    }
    if (digest !== file.sha256) {
      throw new InvalidInputError(
        `${file.name}: has SHA-256 ${digest}, the declared checksum is ${file.sha256}`,
      );
    }
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}

/** The size and SHA-256 of a file. */
export async function describeFile(file: string): Promise<PeerFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { name: path.basename(file), size, sha256: hash.digest('hex') };
}
