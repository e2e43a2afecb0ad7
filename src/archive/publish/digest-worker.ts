// The thread of DigestThread (digest-thread.ts): hashes big plain indices from the
// SegmentFile, remembering hash states along each (PrefixDigests) between requests.
import { parentPort } from 'node:worker_threads';
import type { DigestReply, DigestRequest } from './digest-thread.js';
import { PrefixDigests } from './prefix-digests.js';
import { readPlaces } from './segment-file.js';

const port = parentPort!;
const digests = new PrefixDigests();

port.on('message', ({ id, name, keys, fd, places }: DigestRequest) => {
  const chunks = { keys, from: (first: number) => readPlaces({ fd, places }, first) };
  digests.digest(name, chunks, []).then(
    (sha256) => port.postMessage({ id, sha256 } satisfies DigestReply),
    (error: unknown) =>
      port.postMessage({
        id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies DigestReply),
  );
});
