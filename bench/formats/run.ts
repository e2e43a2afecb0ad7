/**
 * Benchmark of src/debian against the Debian tools, on the same generated .debs:
 *   1. control data of 2,000 .debs: readDeb vs `dpkg-deb -f` in a shell loop;
 *   2. a Packages index for 5,000 .debs, cold: read and hash every .deb, render the
 *      stanzas, vs `apt-ftparchive packages` (both hash MD5, SHA1, SHA256 and SHA512);
 *   3. the same index, warm: what the archive does on a publish — stanzas from the
 *      per-package data it keeps in its database (control + hashes), assembled and
 *      gzipped — vs `apt-ftparchive --db` with its cache filled by an earlier run.
 * Ours reads files CONCURRENCY at a time (async I/O; liblzma works in the thread pool).
 *
 * Run: node --import tsx bench/formats/run.ts [--dir DIR] [--control N] [--packages N]
 * The .debs are built once with dpkg-deb into DIR (default: $TMPDIR/debyard-bench-formats)
 * and reused by later runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compressBuffer } from '../../src/debian/compression.js';
import type { Stanza } from '../../src/debian/deb822.js';
import { readDeb } from '../../src/debian/deb-reader.js';
import type { FileHashes } from '../../src/debian/hashing.js';
import { assembleIndex, renderPackagesStanza } from '../../src/debian/packages-index.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.join(os.tmpdir(), 'debyard-bench-formats') },
    control: { type: 'string', default: '2000' },
    packages: { type: 'string', default: '5000' },
  },
});
const dir = values.dir;
const controlCount = Number(values.control);
const packageCount = Number(values.packages);
const pool = path.join(dir, 'pool');
const CONCURRENCY = 8;

/** Maps over items, `CONCURRENCY` at a time, keeping the order of results. */
async function mapConcurrently<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

/** Writes package trees and builds them with dpkg-deb, two at a time. */
function generate(count: number): void {
  mkdirSync(pool, { recursive: true });
  const have = new Set(readdirSync(pool).filter((n) => n.endsWith('.deb')));
  const trees = path.join(dir, 'trees');
  const todo: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-pkg${String(i).padStart(5, '0')}`;
    if (have.has(`${name}_1.${i}-1_amd64.deb`)) continue;
    const root = path.join(trees, name);
    mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(path.join(root, 'usr', 'share', 'doc', name), { recursive: true });
    writeFileSync(
      path.join(root, 'usr', 'share', 'doc', name, 'README'),
      `${name}\n`.repeat(20 + (i % 50)),
    );
    writeFileSync(
      path.join(root, 'DEBIAN', 'control'),
      `Package: ${name}\nVersion: 1.${i}-1\nArchitecture: amd64\nMaintainer: Bench <bench@example.org>\n` +
        `Installed-Size: ${4 + (i % 7)}\nDepends: libc6 (>= 2.34), bench-pkg${String((i + 1) % count).padStart(5, '0')}\n` +
        `Section: misc\nPriority: optional\nHomepage: https://example.org/${name}\n` +
        `Description: benchmark package number ${i}\n A generated package for the debyard format benchmark.\n .\n It has a second paragraph.\n`,
    );
    todo.push(`${root} ${path.join(pool, `${name}_1.${i}-1_amd64.deb`)}`);
  }
  if (todo.length === 0) return;
  console.log(`building ${todo.length} .debs with dpkg-deb in ${pool} …`);
  const list = path.join(dir, 'todo.txt');
  writeFileSync(list, todo.join('\n') + '\n');
  execFileSync(
    'sh',
    ['-c', `xargs -P 2 -n 2 dpkg-deb --root-owner-group --build < "${list}" > /dev/null`],
    { stdio: 'inherit' },
  );
  execFileSync('rm', ['-rf', trees]);
}

function debs(count: number): string[] {
  return readdirSync(pool)
    .filter((n) => n.endsWith('.deb'))
    .sort()
    .slice(0, count)
    .map((n) => path.join(pool, n));
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

function shell(script: string, cwd = dir): void {
  const result = spawnSync('sh', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`failed: ${script}`);
}

function row(what: string, ours: number, theirs: number, tool: string): void {
  const ratio = theirs / ours;
  console.log(
    `${what.padEnd(36)} ours ${ours.toFixed(0).padStart(7)} ms   ${tool.padEnd(22)} ${theirs.toFixed(0).padStart(7)} ms   ratio ${ratio.toFixed(1)}x ${ratio >= 1 ? 'faster' : 'SLOWER'}`,
  );
}

async function controlBench(): Promise<void> {
  const files = debs(controlCount);
  const [ours, fields] = await time(async () => {
    const sizes = await mapConcurrently(
      files,
      async (file) => (await readDeb(await readFile(file))).control.size,
    );
    return sizes.reduce((a, b) => a + b, 0);
  });
  if (fields < files.length * 5) throw new Error('control data missing');
  const list = path.join(dir, 'control-list.txt');
  writeFileSync(list, files.join('\n') + '\n');
  const [theirs] = await time(() =>
    shell(`while read f; do dpkg-deb -f "$f"; done < "${list}" > /dev/null`),
  );
  row(`control of ${files.length} .debs`, ours, theirs, 'dpkg-deb -f (loop)');
}

interface Cached {
  control: Stanza;
  filename: string;
  hashes: FileHashes;
}

async function packagesBench(): Promise<Cached[]> {
  const files = debs(packageCount);
  const [ours, [text, cached]] = await time(async () => {
    const entries = await mapConcurrently(files, async (file): Promise<Cached> => {
      const info = await readDeb(await readFile(file), { hashes: true });
      return {
        control: info.control,
        filename: `pool/${path.basename(file)}`,
        hashes: info.hashes!,
      };
    });
    const stanzas = entries.map((e) => renderPackagesStanza(e.control, e, { sha512: true }));
    return [assembleIndex(stanzas), entries] as const;
  });
  const [theirs] = await time(() => shell('apt-ftparchive packages pool > Packages.apt'));
  const count = text.split('\n\n').length - 1;
  if (count !== files.length) throw new Error(`expected ${files.length} stanzas, got ${count}`);
  row(`Packages for ${files.length} .debs, cold`, ours, theirs, 'apt-ftparchive packages');
  return cached;
}

async function warmPackagesBench(cached: Cached[]): Promise<void> {
  // The archive keeps each package's stanza text; a publish assembles and compresses.
  const stanzas = cached.map((e) => renderPackagesStanza(e.control, e, { sha512: true }));
  const [ours, gz] = await time(() => compressBuffer(assembleIndex(stanzas), 'gzip'));
  shell('rm -f cache.db && apt-ftparchive --db cache.db packages pool > /dev/null');
  const [theirs] = await time(() =>
    shell('apt-ftparchive --db cache.db packages pool | gzip -9n > Packages.apt.gz'),
  );
  if (gz.length < 1000) throw new Error('empty index');
  row(`Packages.gz for ${cached.length}, warm`, ours, theirs, 'apt-ftparchive --db |gz');
}

generate(Math.max(controlCount, packageCount));
console.log(`node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`);
await controlBench();
await warmPackagesBench(await packagesBench());
if (!existsSync(path.join(dir, 'Packages.apt'))) throw new Error('apt-ftparchive wrote nothing');
