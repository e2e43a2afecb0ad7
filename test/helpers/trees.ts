import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** A hash of a folder tree: every path, file content and symlink target. */
export function treeHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) hash.update(`L ${rel} ${readlinkSync(full)}\n`);
      else if (stat.isDirectory()) {
        hash.update(`D ${rel}\n`);
        walk(full);
      } else hash.update(`F ${rel} `).update(readFileSync(full)).update('\n');
    }
  };
  walk(root);
  return hash.digest('hex');
}

/**
 * A checksum of a whole tree's metadata: every entry's path, type, mode, owner, size,
 * modification time and link target. Any write to the tree changes it (a write updates
 * the modification time; chmod and chown change mode and owner).
 *
 * Left out on purpose, because test files running in parallel share the cached base:
 * change times (they hard-link the base into their daemons' homes with `cp -al` and
 * remove those homes again, and every link made or removed updates the shared inode's
 * change time) and the top folder itself (its times mark the base as in use).
 */
export function treeChecksum(dir: string): string {
  const listing = execFileSync(
    'find',
    [dir, '-xdev', '-mindepth', '1', '-printf', '%P\\0%y\\0%m\\0%U\\0%G\\0%s\\0%T@\\0%l\\n'],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const lines = listing.toString('utf8').split('\n').sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
