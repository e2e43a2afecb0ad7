import type { TarEntry } from './tar-member.js';

/** The paths a package contributes to Contents: its non-directory entries. */
export function contentsPaths(entries: readonly TarEntry[]): string[] {
  return entries.filter((entry) => entry.type !== 'directory' && entry.path !== '').map((e) => e.path);
}

/** One package's part of a Contents index. */
export interface ContentsPackage {
  /** As listed in Contents: `section/name` (dak) or just `name` (apt-ftparchive). */
  qualifiedName: string;
  paths: Iterable<string>;
}

/**
 * A Contents index: one line per path, sorted, with the packages holding it comma-separated
 * (sorted), the columns spaced as apt-ftparchive does (tabs to column 56, spaces to 60).
 */
export function renderContents(packages: Iterable<ContentsPackage>): string {
  const owners = new Map<string, string[]>();
  for (const pkg of packages) {
    for (const path of pkg.paths) {
      const list = owners.get(path);
      if (list) {
        if (!list.includes(pkg.qualifiedName)) list.push(pkg.qualifiedName);
      } else owners.set(path, [pkg.qualifiedName]);
    }
  }
  const paths = [...owners.keys()].sort(byteOrder);
  let out = '';
  for (const path of paths) out += `${path}${spacing(Buffer.byteLength(path))}${owners.get(path)!.sort(byteOrder).join(',')}\n`;
  return out;
}

function spacing(length: number): string {
  let column = length;
  let out = '';
  while (Math.floor(column / 8 + 1) * 8 <= 56) {
    out += '\t';
    column = Math.floor(column / 8 + 1) * 8;
  }
  return out + ' '.repeat(Math.max(1, 60 - column));
}

/** Code-unit order: the same as byte order of the UTF-8 text outside astral characters. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
