import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native modules (better-sqlite3, node-pty) and process-wide state (signals, mounts)
    // want real processes rather than worker threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    sequence: { hooks: 'stack' },
  },
});
