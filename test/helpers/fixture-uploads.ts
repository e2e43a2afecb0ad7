import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURE_PACKAGES } from './fixture-sources.js';

const run = promisify(execFile);

export interface FixtureUpload {
  /** The folder with the .dsc, its files and the .changes. */
  dir: string;
  source: string;
  version: string;
  changes: string;
  dsc: string;
}

/**
 * A source upload of a fixture under test/fixtures/packages, as a packager makes it:
 * the top changelog entry gets the version, the distribution and extra lines (upload
 * options), then `dpkg-source -b` and `dpkg-genchanges -S`. Nothing is signed.
 */
export async function fixtureUpload(
  parent: string,
  fixture: string,
  entry: {
    version: string;
    distribution: string;
    lines?: string[];
    /** Another source (and package) name than the fixture's own. */
    rename?: string;
    /** Another Architecture for its binary packages (any-amd64, a list). */
    architecture?: string;
  },
): Promise<FixtureUpload> {
  const dir = path.join(
    parent,
    `${entry.rename ?? fixture}-${entry.version.replace(/[^A-Za-z0-9.+-]/g, '_')}`,
  );
  const tree = path.join(dir, fixture);
  cpSync(path.join(FIXTURE_PACKAGES, fixture), tree, { recursive: true });
  if (entry.rename) {
    const name = readFileSync(path.join(tree, 'debian', 'changelog'), 'utf8').split(' ')[0]!;
    for (const file of ['changelog', 'control', 'rules']) {
      const at = path.join(tree, 'debian', file);
      writeFileSync(at, readFileSync(at, 'utf8').replaceAll(name, entry.rename));
    }
  }
  if (entry.architecture) {
    const control = path.join(tree, 'debian', 'control');
    const text = readFileSync(control, 'utf8');
    writeFileSync(
      control,
      text.replace(/^Architecture: .*$/gm, `Architecture: ${entry.architecture}`),
    );
  }
  const changelog = path.join(tree, 'debian', 'changelog');
  const lines = readFileSync(changelog, 'utf8').split('\n');
  const source = lines[0]!.split(' ')[0]!;
  lines[0] = `${source} (${entry.version}) ${entry.distribution}; urgency=medium`;
  lines.splice(3, 0, ...(entry.lines ?? []).map((line) => `  ${line}`));
  writeFileSync(changelog, lines.join('\n'));
  await run('dpkg-source', ['-b', fixture], { cwd: dir });
  const { stdout } = await run('dpkg-genchanges', ['-S'], { cwd: tree });
  const changes = `${source}_${entry.version}_source.changes`;
  writeFileSync(path.join(dir, changes), stdout);
  const dsc = readdirSync(dir).find((f) => f.endsWith('.dsc'))!;
  return { dir, source, version: entry.version, changes, dsc };
}
