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
