import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native modules (better-sqlite3, node-pty) and process-wide state (signals, mounts)
    // want real processes rather than worker threads.
    pool: 'forks',
    // Most of an end-to-end file's time is spent waiting on builds, apt and servers, so
    // two files at a time even on a 2-core machine (vitest's default there is one).
    maxWorkers: 2,
    // Generous: two files run at once, and a busy CI machine slows real clients down.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    sequence: { hooks: 'stack' },
  },
});
