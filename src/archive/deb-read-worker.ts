// A worker thread of withReadingThreads (deb-files.ts): reads the .debs it is sent.
import { serveWorkerRequests } from '../shared/worker-pool.js';
import { readDebFile, readWholeSync } from './deb-files.js';

serveWorkerRequests((file: string) => readDebFile(file, undefined, readWholeSync));
