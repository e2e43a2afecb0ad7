import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './daemon.js';
import { tempDir } from './temp-dir.js';

export const FIXTURE_PACKAGES = path.join(REPO_ROOT, 'test', 'fixtures', 'packages');

/**
 * Makes the source package of a fixture under test/fixtures/packages with
 * `dpkg-source -b` in a fresh folder (removed after the test); returns its .dsc.
 */
export function fixtureSource(name: string): string {
  const dir = tempDir(`debyard-src-${name}-`);
  cpSync(path.join(FIXTURE_PACKAGES, name), path.join(dir, name), { recursive: true });
  execFileSync('dpkg-source', ['-b', name], { cwd: dir, stdio: 'pipe' });
  const dsc = readdirSync(dir).find((file) => file.endsWith('.dsc'));
  if (!dsc) throw new Error(`dpkg-source made no .dsc for fixture ${name}`);
  return path.join(dir, dsc);
}
