import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Checks a published distribution on disk as a client would see it: every file its
 * Release lists exists with the listed SHA256 (plain and by-hash), and every pool file
 * named by its Packages and Sources exists with the listed SHA256. Returns the problems.
 */
export function checkPublishedDist(repoRoot: string, dist: string): string[] {
  const problems: string[] = [];
  const distDir = path.join(repoRoot, 'dists', dist);
  const release = readFileSync(path.join(distDir, 'Release'), 'utf8');
  const sha256Section = release.split(/^SHA256:$/m)[1]!.split(/^\S/m)[0]!;
  for (const line of sha256Section.split('\n').filter((l) => l.trim())) {
    const [hash, , file] = line.trim().split(/\s+/) as [string, string, string];
    const plain = path.join(distDir, file);
    const byHash = path.join(distDir, path.dirname(file), 'by-hash', 'SHA256', hash);
    for (const f of [plain, byHash]) {
      if (!existsSync(f)) problems.push(`${dist}: ${path.relative(distDir, f)} is missing`);
      else if (sha256(f) !== hash) problems.push(`${dist}: ${path.relative(distDir, f)} differs`);
    }
    if (file.endsWith('/Packages') || file.endsWith('/Sources')) {
      problems.push(...checkPoolFiles(repoRoot, readFileSync(plain, 'utf8')));
    }
  }
  return problems;
}

function checkPoolFiles(repoRoot: string, index: string): string[] {
  const problems: string[] = [];
  for (const stanza of index.split('\n\n').filter((s) => s.trim())) {
    const filename = /^Filename: (.+)$/m.exec(stanza)?.[1];
    const directory = /^Directory: (.+)$/m.exec(stanza)?.[1];
    const wanted: [string, string][] = [];
    if (filename) wanted.push([filename, /^SHA256: (.+)$/m.exec(stanza)![1]!]);
    if (directory) {
      const list = stanza.split(/^Checksums-Sha256:$/m)[1]!.split(/^\S/m)[0]!;
      for (const line of list.split('\n').filter((l) => l.trim())) {
        const [hash, , name] = line.trim().split(/\s+/) as [string, string, string];
        wanted.push([`${directory}/${name}`, hash]);
      }
    }
    for (const [file, hash] of wanted) {
      const full = path.join(repoRoot, file);
      if (!existsSync(full)) problems.push(`pool file ${file} is missing`);
      else if (sha256(full) !== hash) problems.push(`pool file ${file} has another SHA256`);
    }
  }
  return problems;
}
