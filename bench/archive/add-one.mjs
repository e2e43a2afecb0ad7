/* global console */
// bench/archive/add-one: what adding one package and republishing costs as the archive grows.
// Usage: npm run build && node bench/archive/add-one.mjs [--dir DIR] [--sizes 300,1000,5000] [--adds 5]
// For each size: a bulk install of that many small .debs (in its own process), then `adds`
// times one more package installed and published, each in a fresh process as a CLI would,
// then `adds` more one after the other in one process, as the long-running daemon does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { buildAll, buildDeb, debGroups } from './debs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const dir = path.resolve(opt('dir', path.join(os.tmpdir(), 'debyard-bench-archive')));
const sizes = opt('sizes', '300,1000,5000').split(',').map(Number);
const adds = Number(opt('adds', '5'));
const sources = Math.ceil(Math.max(...sizes) / 3);
const debsDir = path.join(dir, `debs-${sources}`);
const work = path.join(dir, 'add-one');

/** One debyard operation in its own process: { ms (the operation), totalMs }. */
function debyard(mode, home, groups) {
  const list = path.join(work, `${mode}.json`);
  writeFileSync(list, JSON.stringify(groups));
  const out = execFileSync(process.execPath, [path.join(here, 'debyard.mjs'), mode, home, list], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

await buildAll(debsDir, sources);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const extras = [];
for (let k = 0; k < 2 * adds; k++) {
  extras.push(await buildDeb(work, { name: `extra${k}`, source: `extra${k}`, arch: 'amd64' }));
}
const homes = new Map();
for (const size of sizes) {
  const home = path.join(work, `home-${size}`);
  const bulk = debyard('bulk', home, debGroups(debsDir, Math.ceil(size / 3)));
  console.log(`${size} packages: bulk include + publish ${bulk.ms} ms`);
  homes.set(size, { home, runs: [] });
}
// Sizes alternate within each round, so a change of load hits every size alike.
for (const extra of extras.slice(0, adds)) {
  for (const [, h] of homes) h.runs.push(debyard('add', h.home, [[extra]]));
}
const daemon = [undefined, ...extras.slice(adds)].map((extra) => [extra ?? extras[0]]);
for (const [, h] of homes) {
  // One process installing one package after the other; the first (a package it has
  // already) warms the process up and is not counted.
  h.daemon = debyard('each', h.home, daemon).ms.slice(1);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const range = (ms) => `${median(ms)} ms (${Math.min(...ms)}–${Math.max(...ms)})`;
console.log(`\nadd one package + signed publish, median (min–max) of ${adds}\n`);
console.log('| packages | fresh process: operation | with start-up | one process (daemon) |');
console.log('|---|---|---|---|');
for (const [size, h] of homes) {
  const total = h.runs.map((r) => r.totalMs);
  console.log(
    `| ${size} | ${range(h.runs.map((r) => r.ms))} | ${median(total)} ms | ${range(h.daemon)} |`,
  );
}
const growth = (pick) =>
  (median(pick(homes.get(sizes.at(-1)))) / median(pick(homes.get(sizes[0])))).toFixed(2);
console.log(
  `\n${sizes.at(-1)} vs ${sizes[0]} packages: ${growth((h) => h.runs.map((r) => r.ms))}× (fresh process), ${growth((h) => h.daemon)}× (daemon)`,
);
