/** Comparing file trees of the install test: what purging left behind, what it took away. */

/**
 * Paths the install test does not compare (as piuparts ignores them): the package
 * manager's own state and caches, logs, and what the sandbox mounts.
 */
export const IGNORED_ROOTS = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/tmp',
  '/var/tmp',
  '/build',
  '/result',
  '/root',
  '/var/cache',
  '/var/log',
  '/var/lib/apt',
  '/var/lib/dpkg',
  '/var/lib/ucf',
  '/var/lib/systemd',
  '/etc/ld.so.cache',
  '/etc/apt',
] as const;

/** The shell command listing a tree with those roots left out, one sorted path a line. */
export function listTreeCommand(out: string): string {
  const prune = IGNORED_ROOTS.map((root) => `-path ${root}`).join(' -o ');
  return `find / \\( ${prune} \\) -prune -o -print | LC_ALL=C sort > ${out}`;
}

export interface TreeChanges {
  left: string[];
  gone: string[];
}

/**
 * The output of `comm -3 before after` (both sorted): lines only in `after` come
 * indented by a tab (left behind), lines only in `before` not (gone).
 */
export function treeChanges(comm: string): TreeChanges {
  const changes: TreeChanges = { left: [], gone: [] };
  for (const line of comm.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('\t')) changes.left.push(line.slice(1));
    else changes.gone.push(line);
  }
  return changes;
}

/** Some paths and how many more: "/a, /b and 3 more". */
export function somePaths(paths: readonly string[], most = 5): string {
  const shown = paths.slice(0, most).join(', ');
  return paths.length > most ? `${shown} and ${paths.length - most} more` : shown;
}

/** The maintainer scripts dpkg says failed, e.g. "post-removal script of foo". */
export function failedScripts(output: string): string[] {
  const found = new Set<string>();
  const pattern =
    /installed (\S+) package ([a-z-]+ script) subprocess returned error exit status (\d+)/g;
  for (const m of output.matchAll(pattern)) found.add(`${m[2]} of ${m[1]} (exit status ${m[3]})`);
  return [...found];
}
