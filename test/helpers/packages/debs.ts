import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { MAINTAINER, run } from './run.js';

const exec = promisify(execFile);

/** A binary package to build with dpkg-deb. */
export interface DebSpec {
  name: string;
  version: string;
  /** Default: all. */
  architecture?: string;
  /** Source package name (and version, when it differs), as in the Source field. */
  source?: string;
  sourceVersion?: string;
  section?: string;
  depends?: string;
  provides?: string;
  /** The synopsis (first line) of the Description. */
  description?: string;
  /** Extra control fields, in order; they override the ones above (Description whole). */
  fields?: Record<string, string>;
  /** Files it installs: path (without leading /) → content. Default: usr/share/NAME/NAME.txt. */
  files?: Record<string, string>;
  /** Symbolic links it installs: path → target. */
  symlinks?: Record<string, string>;
  /** dpkg-deb -Z value: gzip (default, level 1: fast), xz, zstd or none. */
  compression?: string;
}

/** The file name dpkg-deb's packages get: NAME_VERSION(without epoch)_ARCH.deb. */
export const debFileName = (name: string, version: string, architecture: string): string =>
  `${name}_${version.replace(/^\d+:/, '')}_${architecture}.deb`;

/** Writes the package's tree (DEBIAN/control, md5sums, files); returns dpkg-deb's arguments. */
function stage(dir: string, spec: DebSpec): string[] {
  const architecture = spec.architecture ?? 'all';
  const compression = spec.compression ?? 'gzip';
  const tree = path.join(dir, '.build', `${spec.name}_${spec.version}_${architecture}`);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  const files = spec.files ?? {
    [`usr/share/${spec.name}/${spec.name}.txt`]: `${spec.name} ${spec.version}\n`,
  };
  const sums: string[] = [];
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
    writeFileSync(path.join(tree, file), content);
    chmodSync(path.join(tree, file), file.includes('bin/') ? 0o755 : 0o644);
    sums.push(`${createHash('md5').update(content).digest('hex')}  ${file}\n`);
  }
  for (const [link, target] of Object.entries(spec.symlinks ?? {})) {
    mkdirSync(path.dirname(path.join(tree, link)), { recursive: true });
    symlinkSync(target, path.join(tree, link));
  }
  const source =
    spec.source && spec.source !== spec.name
      ? `${spec.source}${spec.sourceVersion ? ` (${spec.sourceVersion})` : ''}`
      : spec.sourceVersion
        ? `${spec.name} (${spec.sourceVersion})`
        : undefined;
  const control: Record<string, string | undefined> = {
    Package: spec.name,
    Source: source,
    Version: spec.version,
    Architecture: architecture,
    Maintainer: MAINTAINER,
    'Installed-Size': '1',
    Depends: spec.depends,
    Provides: spec.provides,
    Section: spec.section ?? 'misc',
    Priority: 'optional',
    ...spec.fields,
    Description:
      spec.fields?.Description ??
      `${spec.description ?? `test package ${spec.name}`}\n Built by the debyard tests.\n .\n Second paragraph.`,
  };
  writeFileSync(
    path.join(tree, 'DEBIAN', 'control'),
    Object.entries(control)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}: ${value}\n`)
      .join(''),
  );
  writeFileSync(path.join(tree, 'DEBIAN', 'md5sums'), sums.join(''));
  const out = path.join(dir, debFileName(spec.name, spec.version, architecture));
  const level = compression === 'gzip' ? ['-z1'] : [];
  return [`-Z${compression}`, ...level, '--root-owner-group', '--build', tree, out];
}

/** Builds a .deb with `dpkg-deb --build` into `dir`; returns its path. */
export function buildDeb(dir: string, spec: DebSpec): string {
  const args = stage(dir, spec);
  execFileSync('dpkg-deb', args, { stdio: 'ignore' });
  return args.at(-1)!;
}

/** Builds many .debs, `parallel` dpkg-deb processes at a time; returns their paths. */
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
      const args = stage(dir, specs[i]!);
      await exec('dpkg-deb', args);
      out[i] = args.at(-1)!;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
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
