import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../../shared/errors.js';

/** The files an import takes, by kind, and what is wrong with the paths it was given. */
export interface ImportFiles {
  debs: string[];
  dscs: string[];
  changes: string[];
  problems: Problem[];
}

const KINDS = { '.deb': 'debs', '.udeb': 'debs', '.dsc': 'dscs', '.changes': 'changes' } as const;

/**
 * The .deb, .dsc and .changes files of `paths` (absolute paths on this host): files as
 * given, folders searched through. Other files given by name, missing paths and relative
 * paths are problems; other files inside a folder (tarballs a .dsc names) are left.
 */
export async function collectImportFiles(paths: readonly string[]): Promise<ImportFiles> {
  const found: ImportFiles = { debs: [], dscs: [], changes: [], problems: [] };
  const add = (file: string, given: boolean) => {
    const kind = KINDS[path.extname(file) as keyof typeof KINDS];
    if (kind) found[kind].push(file);
    else if (given) {
      found.problems.push({ where: file, message: 'is not a .deb, .udeb, .dsc or .changes file' });
    }
  };
  for (const given of paths) {
    if (!path.isAbsolute(given)) {
      found.problems.push({
        where: given,
        message: "must be an absolute path on the daemon's host",
      });
      continue;
    }
    const info = await stat(given).catch(() => null);
    if (!info) found.problems.push({ where: given, message: 'does not exist' });
    else if (info.isDirectory()) {
      const entries = await readdir(given, { recursive: true, withFileTypes: true });
      for (const entry of entries) {
        if (entry.isFile()) add(path.join(entry.parentPath, entry.name), false);
      }
    } else if (info.isFile()) add(given, true);
    else found.problems.push({ where: given, message: 'is neither a file nor a folder' });
  }
  for (const list of [found.debs, found.dscs, found.changes]) list.sort();
  if (found.debs.length + found.dscs.length === 0 && found.problems.length === 0) {
    found.problems.push({ message: `no .deb or .dsc file in ${paths.join(', ')}` });
  }
  return found;
}
