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
