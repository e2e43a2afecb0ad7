import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { GnupgHome } from './gnupg.js';

const run = promisify(execFile);

export interface SourcePackageOptions {
  source?: string;
  /** Upstream version; the Debian revision comes from `revision`. */
  upstream?: string;
  /** Full Debian revision part, e.g. `1~test12+1`; none for native packages. */
  revision?: string;
  distribution?: string;
  format?: '3.0 (quilt)' | '3.0 (native)' | '1.0';
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

export interface SourcePackage {
  dir: string;
  source: string;
  version: string;
  changes: string;
  dsc: string;
  /** Every file of the upload, the .changes last (as dput sends them). */
  files: string[];
}

/**
 * Builds a small source package with the real tools: dpkg-source -b, then
 * dpkg-genchanges -S. Nothing is signed (see signUpload).
 */
export async function buildSourcePackage(
  parent: string,
  options: SourcePackageOptions = {},
): Promise<SourcePackage> {
  const source = options.source ?? 'hello';
  const upstream = options.upstream ?? '1.0';
  const format = options.format ?? '3.0 (quilt)';
  const native = format === '3.0 (native)';
  const revision = native ? undefined : (options.revision ?? '1~test12+1');
  const version = revision ? `${upstream}-${revision}` : upstream;
  const dir = path.join(parent, `${source}_${version}`);
  const tree = path.join(dir, `${source}-${upstream}`);
  mkdirSync(path.join(tree, 'debian', 'source'), { recursive: true });
  writeFileSync(path.join(tree, 'README'), options.readme ?? `${source} ${upstream}\n`);
  const orig = path.join(dir, `${source}_${upstream}.orig.tar.gz`);
  if (!native && options.origFrom) {
    copyFileSync(options.origFrom, orig);
    await run('tar', ['-xzf', orig], { cwd: dir });
  } else if (!native) {
    await run('tar', ['-czf', orig, `${source}-${upstream}`], { cwd: dir });
  }
  writeDebianFolder(tree, { ...options, source, version, format });
  const compression = ['-Zgzip', '-z1'];
  await run('dpkg-source', [...compression, '-b', '.'], { cwd: tree });
  const genchanges = ['-S', options.withoutOrig ? '-sd' : '-sa'];
  const { stdout } = await run('dpkg-genchanges', genchanges, { cwd: tree });
  const fileVersion = version.replace(/^\d+:/, '');
  const changes = `${source}_${fileVersion}_source.changes`;
  writeFileSync(path.join(dir, changes), stdout);
  const files = readdirSync(dir)
    .filter((f) => f !== changes && !f.endsWith('.upload') && f !== `${source}-${upstream}`)
    .filter((f) => options.withoutOrig !== true || !f.includes('.orig.'));
  return {
    dir,
    source,
    version,
    changes,
    dsc: `${source}_${fileVersion}.dsc`,
    files: [...files.sort(), changes],
  };
}

function writeDebianFolder(
  tree: string,
  options: SourcePackageOptions & { source: string; version: string; format: string },
): void {
  const debian = path.join(tree, 'debian');
  writeFileSync(
    path.join(debian, 'control'),
    [
      `Source: ${options.source}`,
      'Section: misc',
      'Priority: optional',
      'Maintainer: Test Packager <packager@example.org>',
      'Build-Depends: debhelper-compat (= 13)',
      'Standards-Version: 4.6.2',
      '',
      `Package: ${options.source}`,
      `Architecture: ${options.architecture ?? 'any'}`,
      'Description: test package for debyard',
      ' A package built by the tests.',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(debian, 'changelog'),
    [
      `${options.source} (${options.version}) ${options.distribution ?? 'bookworm-test-unstable'}; urgency=medium`,
      '',
      '  * Test upload.',
      ...(options.changelogLines ?? []).map((line) => `  ${line}`),
      '',
      ' -- Test Packager <packager@example.org>  Mon, 01 Jan 2024 00:00:00 +0000',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(debian, 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n', { mode: 0o755 });
  writeFileSync(path.join(debian, 'source', 'format'), `${options.format}\n`);
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
  pkg: Pick<SourcePackage, 'dir' | 'changes'> & Partial<SourcePackage>,
  signer: TestSigner,
): Promise<void> {
  await run('debsign', ['--no-conf', `-k${signer.fingerprint}`, '--re-sign', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, GNUPGHOME: signer.home, DEBSIGN_PROGRAM: 'gpg' },
  });
}

/** Rewrites a file of the package (text). */
export function editFile(pkg: SourcePackage, name: string, edit: (text: string) => string): void {
  const file = path.join(pkg.dir, name);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

/** Runs dpkg-genchanges again (after the .dsc changed), keeping the same options. */
export async function regenerateChanges(
  pkg: SourcePackage,
  options: { withoutOrig?: boolean } = {},
): Promise<void> {
  const tree = readdirSync(pkg.dir, { withFileTypes: true }).find((e) => e.isDirectory())!;
  const { stdout } = await run('dpkg-genchanges', ['-S', options.withoutOrig ? '-sd' : '-sa'], {
    cwd: path.join(pkg.dir, tree.name),
  });
  writeFileSync(path.join(pkg.dir, pkg.changes), stdout);
}
