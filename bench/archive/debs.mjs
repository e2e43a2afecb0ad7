/* global console */
// The small .debs of bench/archive, built with dpkg-deb (xz, its default).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Three .debs per source: amd64, arm64 and an arch:all data package. */
export function specs(n) {
  const name = `bench${String(n).padStart(5, '0')}`;
  return [
    { name, source: name, arch: 'amd64' },
    { name, source: name, arch: 'arm64' },
    { name: `${name}-data`, source: name, arch: 'all' },
  ];
}

/** The .deb files of sources 0 … count-1 in `dir`, grouped by source. */
export function debGroups(dir, count) {
  return Array.from({ length: count }, (_, n) =>
    specs(n).map((s) => path.join(dir, `${s.name}_1.0_${s.arch}.deb`)),
  );
}

export async function buildDeb(out, spec, version = '1.0') {
  const tree = path.join(out, '.tree', `${spec.name}_${spec.arch}`);
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(tree, 'usr', 'share', spec.name), { recursive: true });
  writeFileSync(
    path.join(tree, 'usr', 'share', spec.name, 'README'),
    `${spec.name} ${spec.arch}\n`,
  );
  if (spec.arch !== 'all') {
    mkdirSync(path.join(tree, 'usr', 'bin'), { recursive: true });
    writeFileSync(path.join(tree, 'usr', 'bin', spec.name), '#!/bin/sh\n', { mode: 0o755 });
  }
  writeFileSync(
    path.join(tree, 'DEBIAN', 'control'),
    `Package: ${spec.name}\nSource: ${spec.source}\nVersion: ${version}\nArchitecture: ${spec.arch}\n` +
      `Maintainer: Bench <bench@example.org>\nInstalled-Size: 1\nSection: misc\nPriority: optional\n` +
      `Description: benchmark package ${spec.name}\n generated for bench/archive\n`,
  );
  const file = path.join(out, `${spec.name}_${version}_${spec.arch}.deb`);
  await run('dpkg-deb', ['--root-owner-group', '--build', tree, file]);
  rmSync(tree, { recursive: true, force: true });
  return file;
}

/** Builds the .debs of `sources` sources into `dir` once (a marker file tells it is done). */
export async function buildAll(dir, sources) {
  if (existsSync(path.join(dir, '.complete'))) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const all = Array.from({ length: sources }, (_, n) => specs(n)).flat();
  console.log(`building ${all.length} .debs with dpkg-deb into ${dir} (once) ...`);
  let next = 0;
  const worker = async () => {
    while (next < all.length) await buildDeb(dir, all[next++]);
  };
  await Promise.all(Array.from({ length: os.cpus().length * 2 }, worker));
  rmSync(path.join(dir, '.tree'), { recursive: true, force: true });
  writeFileSync(path.join(dir, '.complete'), '');
}
