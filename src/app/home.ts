import { accessSync, constants, mkdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { homeFolders, type HomeLayout } from '../config/home-layout.js';
import { InvalidInputError } from '../shared/errors.js';

/**
 * Checks that the home can be used, creating it (but not its parents) when missing.
 * Errors name the problem and the fix.
 */
export function checkHome(layout: HomeLayout): void {
  const home = layout.root;
  const parent = path.dirname(home);
  const stat = statOrNull(home);
  if (stat && !stat.isDirectory()) {
    throw new InvalidInputError(`home ${home} exists but is not a folder; pass a folder to --home`);
  }
  if (!stat) {
    const parentStat = statOrNull(parent);
    if (!parentStat?.isDirectory()) {
      throw new InvalidInputError(
        `home ${home} cannot be created: its parent folder ${parent} does not exist; create it or pass another --home`,
      );
    }
  }
  try {
    if (!stat) mkdirSync(home, { mode: 0o750 });
    accessSync(home, constants.W_OK);
    const probe = path.join(home, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidInputError(
      `home ${home} is not writable (${code}); fix its permissions or pass another --home`,
      { cause: error },
    );
  }
}

/** Creates the home's folder layout (after the lock is taken and the database opened). */
export function createHomeFolders(layout: HomeLayout): void {
  for (const folder of homeFolders(layout)) mkdirSync(folder, { recursive: true, mode: 0o750 });
}

function statOrNull(file: string) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
