import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package: where its files are and its version. */
export interface PackageInfo {
  root: string;
  version: string;
  templatesDir: string;
  /** Files served under /static (stylesheet, progressive JavaScript). */
  staticDir: string;
  chrootsDir: string;
}

export function packageInfo(): PackageInfo {
  // This file is dist/app/package-info.js (or src/app/package-info.ts under tests).
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    root,
    version: manifest.version,
    templatesDir: path.join(root, 'templates'),
    staticDir: path.join(root, 'static'),
    chrootsDir: path.join(root, 'chroots'),
  };
}
