import type { Migration } from '../migrations.js';

export const builds: Migration = {
  version: 40,
  name: 'builds (the scheduler queue)',
  up(db) {
    db.exec(`
      -- One row per build of one architecture of an upload. A retry of the upload makes a
      -- new round of builds; earlier rounds stay as history.
      CREATE TABLE builds (
        id INTEGER PRIMARY KEY,
        upload_id INTEGER NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
        round INTEGER NOT NULL,
        architecture TEXT NOT NULL,
        -- This build also builds the Architecture: all packages.
        arch_all INTEGER NOT NULL,
        -- The upload is installed only if every mandatory build succeeded.
        mandatory INTEGER NOT NULL,
        lintian_mode TEXT NOT NULL,
        -- Higher first; first queued first within a priority.
        priority INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL
          CHECK (state IN ('QUEUED', 'BUILDING', 'BUILT', 'FAILED', 'CANCELLED')),
        builder TEXT,
        -- How many times the build was started (a crash of the daemon requeues it).
        attempts INTEGER NOT NULL DEFAULT 0,
        -- The builder's verdict: successful, failed, attempted or cancelled.
        status TEXT,
        fail_stage TEXT,
        reason TEXT,
        lintian TEXT,
        log_file TEXT,
        result_dir TEXT,
        -- The result files (the .changes first), absolute paths.
        files TEXT NOT NULL DEFAULT '[]',
        -- Durations in ms: setup, install (build dependencies), build, total.
        times TEXT NOT NULL DEFAULT '{}',
        queued_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        UNIQUE (upload_id, round, architecture)
      ) STRICT;
      CREATE INDEX builds_queue ON builds (state, priority DESC, id);
    `);
  },
};
