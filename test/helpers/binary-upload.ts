import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildDeb } from './debian-packages.js';

const run = promisify(execFile);

export interface BinaryUploadOptions {
  source: string;
  /** The full version, e.g. 1.0-1~test12+1. */
  version: string;
  distribution?: string;
  /** The architecture of the .deb's name and the .changes (default amd64). */
  architecture?: string;
  /** What the .deb's control data says, when it should disagree with its name. */
  control?: { package?: string; architecture?: string };
  /** Files the package installs (default: one under /usr/share). */
  files?: Record<string, string>;
}

/** A binary-only upload: one .deb and the .changes dpkg-genchanges -b made for it. */
export interface BinaryUpload {
  dir: string;
  source: string;
  version: string;
  changes: string;
  deb: string;
  /** Every file of the upload, the .changes last (as dput sends them). */
  files: string[];
}

/**
 * Makes a binary-only upload as a packager's `dpkg-buildpackage -b` leaves it, without a
 * build: the .deb with dpkg-deb, listed with dpkg-distaddfile, the .changes written by
 * dpkg-genchanges -b from a small debian/ folder. Nothing is signed (see signUpload).
 */
export async function buildBinaryUpload(
  parent: string,
  options: BinaryUploadOptions,
): Promise<BinaryUpload> {
  const { source, version } = options;
  const architecture = options.architecture ?? 'amd64';
  const dir = path.join(parent, `${source}_${version}_${architecture}`);
  const tree = path.join(dir, `${source}-tree`);
  mkdirSync(path.join(tree, 'debian'), { recursive: true });
  writeFileSync(
    path.join(tree, 'debian', 'control'),
    `Source: ${source}\nSection: misc\nPriority: optional\nMaintainer: Test Packager <packager@example.org>\n` +
      `Standards-Version: 4.6.2\n\nPackage: ${source}\nArchitecture: any\nDescription: test package\n tests\n`,
  );
  writeFileSync(
    path.join(tree, 'debian', 'changelog'),
    `${source} (${version}) ${options.distribution ?? 'bookworm-test-unstable'}; urgency=medium\n\n` +
      `  * Binary upload.\n\n -- Test Packager <packager@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n`,
  );
  const built = buildDeb(dir, {
    name: options.control?.package ?? source,
    source,
    version,
    architecture: options.control?.architecture ?? architecture,
    ...(options.files ? { files: options.files } : {}),
  });
  const deb = `${source}_${version.replace(/^\d+:/, '')}_${architecture}.deb`;
  if (path.basename(built) !== deb) renameSync(built, path.join(dir, deb));
  await run('dpkg-distaddfile', [deb, 'misc', 'optional'], { cwd: tree });
  const { stdout } = await run('dpkg-genchanges', ['-b'], {
    cwd: tree,
    env: { ...process.env, DEB_HOST_ARCH: architecture },
  });
  const changes = `${source}_${version.replace(/^\d+:/, '')}_${architecture}.changes`;
  writeFileSync(path.join(dir, changes), stdout);
  return { dir, source, version, changes, deb, files: [deb, changes] };
}
