import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A binary package to build with dpkg-deb. */
export interface DebSpec {
  name: string;
  version: string;
  architecture: string;
  /** Source package name (and version, when it differs), as in the Source field. */
  source?: string;
  sourceVersion?: string;
  section?: string;
  depends?: string;
  provides?: string;
  description?: string;
  /** Files it installs: path (without leading /) → content. Default: one file under /usr/share. */
  files?: Record<string, string>;
}

function stage(root: string, spec: DebSpec): { tree: string; out: string } {
  const tree = path.join(root, '.build', `${spec.name}_${spec.version}_${spec.architecture}`);
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  const files = spec.files ?? {
    [`usr/share/${spec.name}/${spec.name}.txt`]: `${spec.name} ${spec.version}\n`,
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
    writeFileSync(path.join(tree, file), content, { mode: file.includes('bin/') ? 0o755 : 0o644 });
  }
  const source =
    spec.source && spec.source !== spec.name
      ? `Source: ${spec.source}${spec.sourceVersion ? ` (${spec.sourceVersion})` : ''}\n`
      : spec.sourceVersion
        ? `Source: ${spec.name} (${spec.sourceVersion})\n`
        : '';
  writeFileSync(
    path.join(tree, 'DEBIAN', 'control'),
    `Package: ${spec.name}\n${source}Version: ${spec.version}\nArchitecture: ${spec.architecture}\n` +
      `Maintainer: Test Maintainer <test@example.org>\nInstalled-Size: 1\n` +
      (spec.depends ? `Depends: ${spec.depends}\n` : '') +
      (spec.provides ? `Provides: ${spec.provides}\n` : '') +
      `Section: ${spec.section ?? 'misc'}\nPriority: optional\n` +
      `Description: ${spec.description ?? `test package ${spec.name}`}\n a package built by the debyard tests\n`,
  );
  const out = path.join(
    root,
    `${spec.name}_${spec.version.replace(/^\d+:/, '')}_${spec.architecture}.deb`,
  );
  return { tree, out };
}

/** Builds a .deb with `dpkg-deb --build` (gzip, fast) into `dir`; returns its path. */
export function buildDeb(dir: string, spec: DebSpec): string {
  const { tree, out } = stage(dir, spec);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', tree, out], {
    stdio: 'ignore',
  });
  return out;
}

/** Builds many .debs, `parallel` dpkg-deb processes at a time. */
export async function buildDebs(
  dir: string,
  specs: readonly DebSpec[],
  parallel = 4,
): Promise<string[]> {
  const out: string[] = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      const staged = stage(dir, specs[i]!);
      await run('dpkg-deb', [
        '--root-owner-group',
        '-Zgzip',
        '-z1',
        '--build',
        staged.tree,
        staged.out,
      ]);
      out[i] = staged.out;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

export interface SourceSpec {
  name: string;
  /** A native version (no Debian revision), e.g. 1.0 or 2.0~test12+1. */
  version: string;
  /** Binary package names it declares (default: one, named like the source). */
  binaries?: string[];
  /** Extra content, so two builds of the same version can differ. */
  content?: string;
}

/** Builds a `3.0 (native)` source package with dpkg-source; returns the .dsc path. */
export function buildSource(dir: string, spec: SourceSpec): string {
  const tree = path.join(dir, '.src', `${spec.name}-${spec.version}`);
  mkdirSync(path.join(tree, 'debian', 'source'), { recursive: true });
  const binaries = spec.binaries ?? [spec.name];
  writeFileSync(path.join(tree, 'debian', 'source', 'format'), '3.0 (native)\n');
  writeFileSync(
    path.join(tree, 'debian', 'control'),
    `Source: ${spec.name}\nSection: misc\nPriority: optional\nMaintainer: Test Maintainer <test@example.org>\n` +
      `Standards-Version: 4.6.2\n` +
      binaries
        .map((b) => `\nPackage: ${b}\nArchitecture: any\nDescription: test package ${b}\n tests\n`)
        .join(''),
  );
  writeFileSync(
    path.join(tree, 'debian', 'changelog'),
    `${spec.name} (${spec.version}) unstable; urgency=medium\n\n  * Test.\n\n -- Test Maintainer <test@example.org>  Sat, 01 Nov 2025 12:00:00 +0000\n`,
  );
  writeFileSync(path.join(tree, 'debian', 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n', {
    mode: 0o755,
  });
  writeFileSync(path.join(tree, 'README'), spec.content ?? `${spec.name} ${spec.version}\n`);
  execFileSync('dpkg-source', ['-b', path.basename(tree)], {
    cwd: path.dirname(tree),
    stdio: 'ignore',
  });
  const dsc = path.join(
    path.dirname(tree),
    `${spec.name}_${spec.version.replace(/^\d+:/, '')}.dsc`,
  );
  return dsc;
}
