// A worker thread of withReadingThreads (deb-files.ts): reads the .debs it is sent.
import { serveWorkerRequests } from '../shared/worker-pool.js';
import { type DebReadRequest, readDebFile, readWholeSync } from './deb-files.js';

serveWorkerRequests(({ file, contents }: DebReadRequest) =>
  readDebFile(file, { contents, whole: readWholeSync }),
);
