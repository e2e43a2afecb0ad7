import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { GnupgHome } from '../gnupg.js';
import { buildDeb, debFileName } from './debs.js';
import {
  dpkgSource,
  FIXTURE_PACKAGES,
  fileVersion,
  writeDebianFolder,
  writeSourceTree,
  type SourceFormat,
} from './sources.js';

const exec = promisify(execFile);

/** An upload as a packager leaves it: its files in `dir`, the .changes among them. */
export interface Upload {
  /** The folder with the upload's files. */
  dir: string;
  source: string;
  version: string;
  /** File names in `dir`. */
  changes: string;
  /** Every file of the upload, the .changes last (as dput sends them). */
  files: string[];
}

export interface SourcePackageOptions {
  source?: string;
  /** Upstream version; the Debian revision comes from `revision`. */
  upstream?: string;
  /** Full Debian revision part, e.g. `1~test12+1`; none for native packages. */
  revision?: string;
  distribution?: string;
  format?: SourceFormat;
  architecture?: string;
  /** Extra lines for the top changelog entry, e.g. `* DEBYARD_OPTION: run-lintian=false`. */
  changelogLines?: string[];
  /** Leave the original tarball out of the .changes (dpkg-genchanges -sd). */
  withoutOrig?: boolean;
  /** Use this original tarball (a copy) instead of making one. */
  origFrom?: string;
  /** Text of the upstream README (other text, other original tarball). */
  readme?: string;
}

/** A source upload (.dsc, tarballs, .changes). */
export interface SourcePackage extends Upload {
  dsc: string;
}

/** `dpkg-genchanges ARGS` in `tree`, written to `dir/changes`. */
async function genchanges(
  tree: string,
  args: string[],
  changes: string,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const { stdout } = await exec('dpkg-genchanges', args, {
    cwd: tree,
    env: { ...process.env, ...env },
  });
  writeFileSync(path.join(path.dirname(tree), changes), stdout);
}

/**
 * A small debhelper source package uploaded as a packager does with the real tools:
 * dpkg-source -b, then dpkg-genchanges -S. Nothing is signed (see signUpload).
 */
export async function buildSourcePackage(
  parent: string,
  options: SourcePackageOptions = {},
): Promise<SourcePackage> {
  const source = options.source ?? 'hello';
  const upstream = options.upstream ?? '1.0';
  const format = options.format ?? '3.0 (quilt)';
  const revision = format === '3.0 (native)' ? undefined : (options.revision ?? '1~test12+1');
  const version = revision ? `${upstream}-${revision}` : upstream;
  const dir = path.join(parent, `${source}_${version}`);
  const tree = writeSourceTree(dir, {
    name: source,
    version,
    format,
    buildDepends: 'debhelper-compat (= 13)',
    distribution: options.distribution ?? 'bookworm-test-unstable',
    ...(options.architecture ? { architecture: options.architecture } : {}),
    ...(options.changelogLines ? { changelogLines: options.changelogLines } : {}),
    ...(options.readme !== undefined ? { readme: options.readme } : {}),
    ...(options.origFrom ? { origFrom: options.origFrom } : {}),
  });
  await dpkgSource(dir, path.basename(tree), true);
  const changes = `${source}_${fileVersion(version)}_source.changes`;
  await genchanges(tree, ['-S', options.withoutOrig ? '-sd' : '-sa'], changes);
  const files = readdirSync(dir)
    .filter((f) => f !== changes && !f.endsWith('.upload') && f !== path.basename(tree))
    .filter((f) => options.withoutOrig !== true || !f.includes('.orig.'));
  return {
    dir,
    source,
    version,
    changes,
    dsc: `${source}_${fileVersion(version)}.dsc`,
    files: [...files.sort(), changes],
  };
}

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
export interface BinaryUpload extends Upload {
  deb: string;
}

/**
 * A binary-only upload as a packager's `dpkg-buildpackage -b` leaves it, without a
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
  writeDebianFolder(tree, {
    name: source,
    version,
    distribution: options.distribution ?? 'bookworm-test-unstable',
  });
  const built = buildDeb(dir, {
    name: options.control?.package ?? source,
    source,
    version,
    architecture: options.control?.architecture ?? architecture,
    ...(options.files ? { files: options.files } : {}),
  });
  const deb = debFileName(source, version, architecture);
  if (path.basename(built) !== deb) renameSync(built, path.join(dir, deb));
  await exec('dpkg-distaddfile', [deb, 'misc', 'optional'], { cwd: tree });
  const changes = `${source}_${fileVersion(version)}_${architecture}.changes`;
  await genchanges(tree, ['-b'], changes, { DEB_HOST_ARCH: architecture });
  return { dir, source, version, changes, deb, files: [deb, changes] };
}

/** A fixture's top changelog entry for an upload. */
export interface FixtureEntry {
  version: string;
  distribution: string;
  lines?: string[];
  /** Another source (and package) name than the fixture's own. */
  rename?: string;
  /** Another Architecture for its binary packages (any-amd64, a list). */
  architecture?: string;
}

/** A source upload of a fixture. */
export type FixtureUpload = Omit<SourcePackage, 'files'>;

/**
 * A source upload of a fixture under test/fixtures/packages, as a packager makes it:
 * the top changelog entry gets the version, the distribution and extra lines (upload
 * options), then `dpkg-source -b` and `dpkg-genchanges -S`. Nothing is signed.
 */
export async function fixtureUpload(
  parent: string,
  fixture: string,
  entry: FixtureEntry,
): Promise<FixtureUpload> {
  const dir = path.join(
    parent,
    `${entry.rename ?? fixture}-${entry.version.replace(/[^A-Za-z0-9.+-]/g, '_')}`,
  );
  const tree = path.join(dir, fixture);
  cpSync(path.join(FIXTURE_PACKAGES, fixture), tree, { recursive: true });
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(path.join(tree, file), change(readFileSync(path.join(tree, file), 'utf8')));
  if (entry.rename) {
    const name = readFileSync(path.join(tree, 'debian', 'changelog'), 'utf8').split(' ')[0]!;
    for (const file of ['changelog', 'control', 'rules'])
      edit(`debian/${file}`, (text) => text.replaceAll(name, entry.rename!));
  }
  if (entry.architecture)
    edit('debian/control', (text) =>
      text.replace(/^Architecture: .*$/gm, `Architecture: ${entry.architecture}`),
    );
  let source = '';
  edit('debian/changelog', (text) => {
    const lines = text.split('\n');
    source = lines[0]!.split(' ')[0]!;
    lines[0] = `${source} (${entry.version}) ${entry.distribution}; urgency=medium`;
    lines.splice(3, 0, ...(entry.lines ?? []).map((line) => `  ${line}`));
    return lines.join('\n');
  });
  const dsc = await dpkgSource(dir, fixture);
  const changes = `${source}_${entry.version}_source.changes`;
  await genchanges(tree, ['-S'], changes);
  return { dir, source, version: entry.version, changes, dsc: path.basename(dsc) };
}

/** A packager's key in a throw-away GnuPG home; `dispose()` when done. */
export interface TestSigner {
  home: string;
  fingerprint: string;
  /** The armored public key, for uploader keyrings. */
  publicKey: string;
  dispose(): void;
}

export function createSigner(userId: string): TestSigner {
  const gnupg = new GnupgHome();
  const fingerprint = gnupg.generateKey(userId, 'ed25519', 'sign', 'never');
  return {
    home: gnupg.dir,
    fingerprint,
    publicKey: gnupg.exportKey(fingerprint, true).toString('utf8'),
    dispose: () => gnupg.dispose(),
  };
}

/** Signs the .dsc and the .changes with debsign, as a packager does. */
export async function signUpload(
  pkg: Pick<Upload, 'dir' | 'changes'> & Partial<SourcePackage>,
  signer: TestSigner,
): Promise<void> {
  await exec('debsign', ['--no-conf', `-k${signer.fingerprint}`, '--re-sign', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, GNUPGHOME: signer.home, DEBSIGN_PROGRAM: 'gpg' },
  });
}

/** Rewrites a file of the upload (text). */
export function editFile(pkg: Upload, name: string, edit: (text: string) => string): void {
  const file = path.join(pkg.dir, name);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

/** Runs dpkg-genchanges -S again (after the .dsc changed). */
export async function regenerateChanges(
  pkg: Upload,
  options: { withoutOrig?: boolean } = {},
): Promise<void> {
  const tree = readdirSync(pkg.dir, { withFileTypes: true }).find((e) => e.isDirectory())!;
  await genchanges(
    path.join(pkg.dir, tree.name),
    ['-S', options.withoutOrig ? '-sd' : '-sa'],
    pkg.changes,
  );
}
