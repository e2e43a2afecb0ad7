import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Runs a command and returns its standard output; throws with stderr on failure. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string } = {},
): string {
  return execFileSync(command, args, {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface DebSpec {
  name: string;
  version: string;
  architecture?: string;
  /** dpkg-deb -Z value: xz, gzip, zstd or none. */
  compression?: string;
  /** Extra control fields, in order. */
  fields?: Record<string, string>;
  /** Files to put in the package: path (no leading slash) → content. */
  files?: Record<string, string>;
  symlinks?: Record<string, string>;
}

/** Builds a .deb with `dpkg-deb --build` in `dir`; returns its path. */
export function buildDeb(dir: string, spec: DebSpec): string {
  const arch = spec.architecture ?? 'all';
  const root = path.join(dir, `${spec.name}-${spec.version}-${arch}-${spec.compression ?? 'xz'}`);
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  const files = spec.files ?? {
    [`usr/share/doc/${spec.name}/README`]: `${spec.name} ${spec.version}\n`,
  };
  const sums: string[] = [];
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
    if (file.startsWith('usr/bin/')) chmodSync(path.join(root, file), 0o755);
    sums.push(`${run('md5sum', [path.join(root, file)]).split(' ')[0]}  ${file}`);
  }
  for (const [link, target] of Object.entries(spec.symlinks ?? {})) {
    mkdirSync(path.dirname(path.join(root, link)), { recursive: true });
    run('ln', ['-s', target, path.join(root, link)]);
  }
  const control = {
    Package: spec.name,
    Version: spec.version,
    Architecture: arch,
    Maintainer: 'Debyard Tests <tests@example.org>',
    'Installed-Size': '1',
    Section: 'misc',
    Priority: 'optional',
    ...spec.fields,
    Description:
      spec.fields?.Description ??
      `test package ${spec.name}\n Built by the debyard tests.\n .\n Second paragraph.`,
  };
  const text = Object.entries(control)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  writeFileSync(path.join(root, 'DEBIAN', 'control'), text);
  writeFileSync(path.join(root, 'DEBIAN', 'md5sums'), sums.join('\n') + '\n');
  const out = path.join(dir, `${spec.name}_${spec.version.replace(/^\d+:/, '')}_${arch}.deb`);
  run('dpkg-deb', [`-Z${spec.compression ?? 'xz'}`, '--root-owner-group', '--build', root, out]);
  return out;
}

/**
 * Downloads real Debian packages with `apt-get download` into `dir`, refreshing the
 * package lists first if apt does not know them yet. Returns the .deb paths.
 */
export function aptDownload(dir: string, packages: string[]): string[] {
  const download = () =>
    spawnSync('apt-get', ['-q', '-o', 'APT::Sandbox::User=root', 'download', ...packages], {
      cwd: dir,
      encoding: 'utf8',
    });
  let result = download();
  if (result.status !== 0) {
    run('apt-get', ['-q', 'update']);
    result = download();
  }
  if (result.status !== 0) throw new Error(`apt-get download failed: ${result.stderr}`);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.deb'))
    .map((name) => path.join(dir, name));
}

export interface SourceSpec {
  name: string;
  /** Full version; its upstream part names the orig tarball. */
  version: string;
  format: '1.0' | '3.0 (quilt)' | '3.0 (native)';
}

const RULES = `#!/usr/bin/make -f
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

/**
 * Writes a small source tree (two binaries: NAME for any architecture, NAME-doc for all)
 * and, for non-native formats, its orig tarball. Returns the tree's path.
 */
export function writeSourceTree(dir: string, spec: SourceSpec): string {
  const upstream = spec.version.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
  const tree = path.join(dir, `${spec.name}-${upstream}`);
  mkdirSync(path.join(tree, 'debian', 'source'), { recursive: true });
  writeFileSync(path.join(tree, 'README'), `${spec.name} says hello.\n`);
  writeFileSync(path.join(tree, 'hello.sh'), '#!/bin/sh\necho hello\n');
  if (spec.format !== '3.0 (native)' && spec.version.includes('-')) {
    run('tar', [
      '-czf',
      path.join(dir, `${spec.name}_${upstream}.orig.tar.gz`),
      '-C',
      dir,
      path.basename(tree),
    ]);
  }
  const write = (file: string, text: string) =>
    writeFileSync(path.join(tree, 'debian', file), text);
  write('source/format', `${spec.format}\n`);
  write(
    'control',
    `Source: ${spec.name}\nSection: misc\nPriority: optional\nMaintainer: Debyard Tests <tests@example.org>\nStandards-Version: 4.6.2\nRules-Requires-Root: no\nHomepage: https://example.org/${spec.name}\nVcs-Git: https://example.org/${spec.name}.git\n\n` +
      `Package: ${spec.name}\nArchitecture: any\nDepends: \${misc:Depends}\nDescription: greeting for the debyard tests\n Prints a greeting.\n .\n Second paragraph.\n\n` +
      `Package: ${spec.name}-doc\nArchitecture: all\nDescription: documentation for ${spec.name}\n Just a README.\n`,
  );
  write(
    'changelog',
    `${spec.name} (${spec.version}) unstable; urgency=medium\n\n  * Test upload.\n\n -- Debyard Tests <tests@example.org>  Sat, 01 Mar 2025 10:00:00 +0000\n`,
  );
  write('rules', RULES);
  chmodSync(path.join(tree, 'debian', 'rules'), 0o755);
  return tree;
}

/** `dpkg-source -b`: a source package in `dir`. Returns the .dsc path. */
export function buildSource(dir: string, spec: SourceSpec): string {
  const tree = writeSourceTree(dir, spec);
  run('dpkg-source', ['-b', path.basename(tree)], { cwd: dir });
  return path.join(dir, `${spec.name}_${spec.version.replace(/^\d+:/, '')}.dsc`);
}

/** `dpkg-buildpackage -us -uc`: source, binaries, .buildinfo and .changes in `dir`. */
export function buildFullUpload(dir: string, spec: SourceSpec): void {
  const tree = writeSourceTree(dir, spec);
  run('dpkg-buildpackage', ['-us', '-uc', '-d', '--build=full'], { cwd: tree });
}
