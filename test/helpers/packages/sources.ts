import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../daemon.js';
import { tempDir } from '../temp-dir.js';
import { MAINTAINER, run } from './run.js';

const exec = promisify(execFile);

/** The source trees under test/fixtures/packages (real packages that build in a chroot). */
export const FIXTURE_PACKAGES = path.join(REPO_ROOT, 'test', 'fixtures', 'packages');

export type SourceFormat = '1.0' | '3.0 (quilt)' | '3.0 (native)';

/** A source package the tests write from scratch. */
export interface SourceSpec {
  name: string;
  /** The full version: with a Debian revision (1.0-1) the package has an orig tarball. */
  version: string;
  /** Default: 3.0 (native) without a revision, 3.0 (quilt) with one. */
  format?: SourceFormat;
  /** Binary package names it declares (default: one, named like the source). */
  binaries?: string[];
  /** Their Architecture (default any). */
  architecture?: string;
  /**
   * Two binaries, NAME (any) and NAME-doc (all), and a debian/rules that builds them with
   * dpkg alone (no debhelper), so dpkg-buildpackage works on any host; instead of a
   * debhelper package that builds in a chroot.
   */
  buildable?: boolean;
  /** The Build-Depends field (default: none). */
  buildDepends?: string;
  /** Default: unstable. */
  distribution?: string;
  /** Extra lines for the top changelog entry, e.g. `* DEBYARD_OPTION: run-lintian=false`. */
  changelogLines?: string[];
  /** Text of the upstream README, so two builds of the same version can differ. */
  readme?: string;
  /** Use this original tarball (a copy) instead of making one. */
  origFrom?: string;
}

const DH_RULES = '#!/usr/bin/make -f\n%:\n\tdh $@\n';

const DPKG_RULES = `#!/usr/bin/make -f
P := $(shell dpkg-parsechangelog -S Source)
clean:
\trm -rf debian/tmp-a debian/tmp-i debian/files
build build-arch build-indep:
\t@true
binary-arch:
\tmkdir -p debian/tmp-a/DEBIAN debian/tmp-a/usr/bin
\tinstall -m 755 hello.sh debian/tmp-a/usr/bin/$(P)
\tdpkg-gencontrol -p$(P) -Pdebian/tmp-a
\tdpkg-deb --build debian/tmp-a ..
binary-indep:
\tmkdir -p debian/tmp-i/DEBIAN debian/tmp-i/usr/share/doc/$(P)-doc
\tcp README debian/tmp-i/usr/share/doc/$(P)-doc/
\tdpkg-gencontrol -p$(P)-doc -Pdebian/tmp-i
\tdpkg-deb --build debian/tmp-i ..
binary: binary-arch binary-indep
.PHONY: clean build build-arch build-indep binary binary-arch binary-indep
`;

/** The upstream part of a version (no epoch, no Debian revision). */
export const upstreamOf = (version: string): string =>
  version.replace(/^\d+:/, '').replace(/-[^-]+$/, '');

/** A version as file names carry it (no epoch). */
export const fileVersion = (version: string): string => version.replace(/^\d+:/, '');

/** Writes debian/ (control, changelog, rules, source/format) of a source tree. */
export function writeDebianFolder(tree: string, spec: SourceSpec): void {
  const native = !fileVersion(spec.version).includes('-');
  const format = spec.format ?? (native ? '3.0 (native)' : '3.0 (quilt)');
  const binaries = spec.buildable
    ? [
        `Package: ${spec.name}\nArchitecture: any\nDepends: \${misc:Depends}\nDescription: greeting for the debyard tests\n Prints a greeting.\n .\n Second paragraph.\n`,
        `Package: ${spec.name}-doc\nArchitecture: all\nDescription: documentation for ${spec.name}\n Just a README.\n`,
      ]
    : (spec.binaries ?? [spec.name]).map(
        (b) =>
          `Package: ${b}\nArchitecture: ${spec.architecture ?? 'any'}\nDescription: test package ${b}\n A package built by the debyard tests.\n`,
      );
  const source = [
    `Source: ${spec.name}`,
    'Section: misc',
    'Priority: optional',
    `Maintainer: ${MAINTAINER}`,
    ...(spec.buildDepends ? [`Build-Depends: ${spec.buildDepends}`] : []),
    'Standards-Version: 4.6.2',
    ...(spec.buildable
      ? [
          'Rules-Requires-Root: no',
          `Homepage: https://example.org/${spec.name}`,
          `Vcs-Git: https://example.org/${spec.name}.git`,
        ]
      : []),
  ];
  const debian = path.join(tree, 'debian');
  mkdirSync(path.join(debian, 'source'), { recursive: true });
  writeFileSync(path.join(debian, 'control'), [source.join('\n') + '\n', ...binaries].join('\n'));
  writeFileSync(
    path.join(debian, 'changelog'),
    [
      `${spec.name} (${spec.version}) ${spec.distribution ?? 'unstable'}; urgency=medium`,
      '',
      '  * Test upload.',
      ...(spec.changelogLines ?? []).map((line) => `  ${line}`),
      '',
      ` -- ${MAINTAINER}  Mon, 01 Jan 2024 00:00:00 +0000`,
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(debian, 'rules'), spec.buildable ? DPKG_RULES : DH_RULES);
  chmodSync(path.join(debian, 'rules'), 0o755);
  writeFileSync(path.join(debian, 'source', 'format'), `${format}\n`);
}

/**
 * Writes a source tree NAME-UPSTREAM in `dir`: the upstream README (and hello.sh), the
 * orig tarball next to it for a non-native version, then debian/. Returns the tree.
 */
export function writeSourceTree(dir: string, spec: SourceSpec): string {
  const upstream = upstreamOf(spec.version);
  const tree = path.join(dir, `${spec.name}-${upstream}`);
  mkdirSync(tree, { recursive: true });
  writeFileSync(path.join(tree, 'README'), spec.readme ?? `${spec.name} ${upstream}\n`);
  if (spec.buildable) writeFileSync(path.join(tree, 'hello.sh'), '#!/bin/sh\necho hello\n');
  if (fileVersion(spec.version).includes('-')) {
    const orig = path.join(dir, `${spec.name}_${upstream}.orig.tar.gz`);
    if (spec.origFrom) {
      copyFileSync(spec.origFrom, orig);
      run('tar', ['-xzf', orig], { cwd: dir });
    } else run('tar', ['-czf', orig, path.basename(tree)], { cwd: dir });
  }
  writeDebianFolder(tree, spec);
  return tree;
}

/** `dpkg-source -b` of the tree `dir/name` (gzip level 1 when `fast`); returns the .dsc. */
export async function dpkgSource(dir: string, name: string, fast = false): Promise<string> {
  const before = new Set(readdirSync(dir));
  await exec('dpkg-source', [...(fast ? ['-Zgzip', '-z1'] : []), '-b', name], { cwd: dir });
  return dscIn(dir, before);
}

function dscIn(dir: string, before: Set<string> = new Set()): string {
  const made = readdirSync(dir).filter((f) => f.endsWith('.dsc'));
  const dsc = made.find((f) => !before.has(f)) ?? made[0];
  if (!dsc) throw new Error(`dpkg-source made no .dsc in ${dir}`);
  return path.join(dir, dsc);
}

/** A source package (`dpkg-source -b`) in `dir`, from a tree written for `spec`; its .dsc. */
export function buildSource(dir: string, spec: SourceSpec): string {
  const tree = writeSourceTree(dir, spec);
  run('dpkg-source', ['-b', path.basename(tree)], { cwd: dir });
  return path.join(dir, `${spec.name}_${fileVersion(spec.version)}.dsc`);
}

/** `dpkg-buildpackage -us -uc`: source, binaries, .buildinfo and .changes in `dir`. */
export function buildFullUpload(dir: string, spec: Omit<SourceSpec, 'buildable'>): void {
  const tree = writeSourceTree(dir, { ...spec, buildable: true });
  run('dpkg-buildpackage', ['-us', '-uc', '-d', '--build=full'], { cwd: tree });
}

/**
 * The source package of a fixture under test/fixtures/packages, made with
 * `dpkg-source -b` in a fresh folder (removed after the test); returns its .dsc.
 */
export function fixtureSource(name: string): string {
  const dir = tempDir(`debyard-src-${name}-`);
  cpSync(path.join(FIXTURE_PACKAGES, name), path.join(dir, name), { recursive: true });
  run('dpkg-source', ['-b', name], { cwd: dir });
  return dscIn(dir);
}
