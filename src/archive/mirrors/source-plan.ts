import { parseDeb822, type Stanza } from '../../debian/deb822.js';
import { compareVersions } from '../../debian/version.js';
import { InvalidInputError } from '../../shared/errors.js';
import { checkPoolPath } from '../remote-tree/published-tree.js';
import type { WantedFile } from './pool-download.js';

/** A source package a mirror takes: its .dsc and the files it names, as Sources lists them. */
export interface PlannedSource {
  suite: string;
  component: string;
  source: string;
  version: string;
  /** The pool path of the .dsc. */
  dsc: string;
  /** The .dsc and every file it names, with the sizes and SHA256 the signed Sources states. */
  files: WantedFile[];
}

/**
 * The newest version of each source in a Sources index (already checked against its
 * Release), with its files from Checksums-Sha256 under its Directory.
 */
export function newestSources(
  text: string,
  where: { suite: string; component: string; index: string },
): PlannedSource[] {
  const newest = new Map<string, PlannedSource>();
  for (const stanza of parseDeb822(text, { source: where.index })) {
    const p = plannedSource(stanza, where);
    const held = newest.get(p.source);
    if (!held || compareVersions(p.version, held.version) > 0) newest.set(p.source, p);
  }
  return [...newest.values()];
}

function plannedSource(
  stanza: Stanza,
  where: { suite: string; component: string; index: string },
): PlannedSource {
  const field = (name: string) => {
    const value = stanza.get(name);
    if (!value) throw new InvalidInputError(`${where.index}: a source has no ${name} field`);
    return value;
  };
  const source = field('Package');
  const version = field('Version');
  const directory = field('Directory').replace(/\/+$/, '');
  const files = field('Checksums-Sha256')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const parts = line.split(/\s+/);
      const size = Number(parts[1]);
      if (parts.length !== 3 || !/^[0-9a-f]{64}$/.test(parts[0]!) || !Number.isSafeInteger(size)) {
        throw new InvalidInputError(
          `${where.index}: ${source} ${version} has a malformed Checksums-Sha256 line: ${line}`,
        );
      }
      const poolPath = `${directory}/${parts[2]!}`;
      checkPoolPath(poolPath);
      return { poolPath, size, sha256: parts[0]! };
    });
  const dsc = files.find((f) => f.poolPath.endsWith('.dsc'));
  if (!dsc) throw new InvalidInputError(`${where.index}: ${source} ${version} lists no .dsc`);
  return {
    suite: where.suite,
    component: where.component,
    source,
    version,
    dsc: dsc.poolPath,
    files,
  };
}
