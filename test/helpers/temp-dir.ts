import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh folder under the system temp dir, removed when the current test ends. */
export function tempDir(prefix = 'debyard-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh folder that outlives the test (for beforeAll); remove it yourself. */
export function persistentTempDir(prefix = 'debyard-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
