// The thread of BackgroundLinks (background-links.ts): hard-links handed-over files into
// the pool and makes them durable while the main thread writes the database.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { workerData } from 'node:worker_threads';
import type { LinkJob, LinkOutcome } from './background-links.js';

const { files, syncRoot, state, port } = workerData as LinkJob;
const outcome: LinkOutcome = { failed: [], syncError: null };
try {
  const folders = new Set<string>();
  files.forEach(({ from, to }, i) => {
    try {
      const folder = path.dirname(to);
      if (!folders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        folders.add(folder);
      }
      linkSync(from, to);
    } catch {
      // A leftover at the target, another file system…: the main thread puts these.
      outcome.failed.push(i);
    }
  });
  // One syncfs of the file system: far cheaper than thousands of fsyncs.
  execFileSync('sync', ['-f', syncRoot], { stdio: 'ignore' });
} catch (error) {
  outcome.syncError = error instanceof Error ? error.message : String(error);
} finally {
  port.postMessage(outcome);
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
}
