import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

/**
 * A checksum of a whole tree's metadata: every entry's path, type, mode, owner, size,
 * modification and change time, and link target. Any write to the tree changes it (a
 * write updates the change time, which user space cannot set back).
 */
export function treeChecksum(dir: string): string {
  const listing = execFileSync(
    'find',
    [dir, '-xdev', '-printf', '%P\\0%y\\0%m\\0%U\\0%G\\0%s\\0%T@\\0%C@\\0%l\\n'],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const lines = listing.toString('utf8').split('\n').sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
