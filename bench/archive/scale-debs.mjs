/* global console */
// The input of the Debian-scale row (bench/archive/scale.mjs): 63,000 small .debs written
// directly (ar, control.tar.gz, data.tar.gz: thousands a second; dpkg-deb's default xz would
// take ~30 minutes to write on a loaded 2-core machine), each with the
// control paragraph of a real package from this machine's apt lists (Debian's bookworm main
// amd64 Packages: its field sizes — Depends, Provides, Maintainer … — are Debian's own), a
// long description (Debian's Packages carry only the synopsis) and a few files for Contents.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Buffer } from 'node:buffer';
import zlib from 'node:zlib';

/** Fields the archive adds to a Packages stanza (or ftp-master does): not in a .deb. */
const ARCHIVE_FIELDS = new Set(['Filename', 'Size', 'MD5sum', 'SHA256', 'Description-md5', 'Tag']);

/** Debian's amd64 Packages list from /var/lib/apt/lists (lz4 or plain), as text. */
export function debianPackagesText(lists = '/var/lib/apt/lists') {
  const file = readdirSync(lists).find((f) => /_dists_[a-z]+_main_binary-amd64_Packages/.test(f));
  if (!file) throw new Error(`no main binary-amd64 Packages list in ${lists} (run apt-get update)`);
  return execFileSync('/usr/lib/apt/apt-helper', ['cat-file', path.join(lists, file)], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
}

/** A deterministic generator (mulberry32): the same input on every machine with the same lists. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'the package provides a library for tools and data used by programs that need support of files with this module contains documentation development headers runtime plugin python perl shared'.split(
    ' ',
  );

/** 1–15 lines of ~70 characters (median ~5): Debian's long descriptions are about that. */
function longDescription(rand) {
  const lines = 1 + Math.floor(14 * rand() * rand());
  const out = [];
  for (let l = 0; l < lines; l++) {
    let line = '';
    while (line.length < 60 + rand() * 15) line += `${WORDS[Math.floor(rand() * WORDS.length)]} `;
    out.push(` ${line.trimEnd()}`);
  }
  return out.join('\n');
}

/** The control paragraphs to write: real stanzas, without archive fields, with a long description. */
export function controlParagraphs(text, count) {
  const rand = random(63000);
  const stanzas = text.split(/\n\n+/).filter((s) => s.startsWith('Package:'));
  const out = [];
  // One version per source (a suite holds one): binaries of another version are skipped.
  const versions = new Map();
  for (const stanza of stanzas) {
    if (out.length === count) break;
    const kept = [];
    let keep = true;
    for (const line of stanza.split('\n')) {
      if (!line.startsWith(' ')) keep = !ARCHIVE_FIELDS.has(line.slice(0, line.indexOf(':')));
      if (keep) kept.push(line);
    }
    const at = kept.findIndex((l) => l.startsWith('Description:'));
    kept.splice(at + 1, 0, longDescription(rand));
    const field = (name) => /^([^:]+): (.*)$/.exec(kept.find((l) => l.startsWith(`${name}:`)))[2];
    const p = {
      control: `${kept.join('\n')}\n`,
      name: field('Package'),
      version: field('Version'),
      arch: field('Architecture'),
      source: /^(\S+)(?: \((\S+)\))?/.exec(
        kept.find((l) => l.startsWith('Source:'))?.slice(8) ?? '',
      ),
    };
    const [source, version] = sourceOf(p).split(' ');
    if ((versions.get(source) ?? version) !== version) continue;
    versions.set(source, version);
    out.push(p);
  }
  return out;
}

/** The .deb file name of a paragraph (its version without epoch, as dpkg-name names it). */
export const debName = (p) => `${p.name}_${p.version.replace(/^\d+:/, '')}_${p.arch}.deb`;

/** The source a paragraph was built from, and its version: the install's grouping. */
export const sourceOf = (p) => `${p.source?.[1] || p.name} ${p.source?.[2] ?? p.version}`;

function writeDeb(dir, p) {
  const doc = `./usr/share/doc/${p.name}`;
  const files = [
    [`${doc}/copyright`, Buffer.from(`Files: *\nCopyright: bench\nLicense: none\n`)],
    [`${doc}/changelog.Debian.gz`, Buffer.from(`${p.name} (${p.version}) unstable\n`)],
  ];
  if (p.arch !== 'all') files.push([`./usr/bin/${p.name}`, Buffer.from('#!/bin/sh\n')]);
  const gz = (b) => zlib.gzipSync(b, { level: 6 });
  const deb = ar([
    ['debian-binary', Buffer.from('2.0\n')],
    ['control.tar.gz', gz(tar([['./control', Buffer.from(p.control)]]))],
    ['data.tar.gz', gz(tar(files))],
  ]);
  writeFileSync(path.join(dir, debName(p)), deb);
}

/** Writes the .debs into `dir` that are not there yet (the first run writes all); gives the paragraphs. */
export function writeScaleDebs(dir, count) {
  const paragraphs = controlParagraphs(debianPackagesText(), count);
  mkdirSync(dir, { recursive: true });
  const missing = paragraphs.filter((p) => !existsSync(path.join(dir, debName(p))));
  if (missing.length > 0) console.log(`writing ${missing.length} .debs into ${dir} ...`);
  for (const p of missing) writeDeb(dir, p);
  return paragraphs;
}

function ar(members) {
  const parts = [Buffer.from('!<arch>\n')];
  for (const [name, data] of members) {
    const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(header, 'latin1'), data);
    if (data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

function tar(files) {
  const parts = [];
  for (const [name, data] of files) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'latin1');
    header.write(name.startsWith('./usr/bin/') ? '0000755\0' : '0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write(`${(1_700_000_000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    parts.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  // A tar record is 10 KiB (as GNU tar and dpkg-deb pad it).
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.alloc((10240 - (body.length % 10240)) % 10240)]);
}

/** `n` more .debs in `dir`: copies of real paragraphs under new names; gives their paths. */
export function writeExtraDebs(dir, paragraphs, n, suffix = 'extra') {
  const out = [];
  for (let k = 0; k < n; k++) {
    const from = paragraphs[(k * 7919) % paragraphs.length];
    // Named after the paragraph copied: each sorts next to it, spread over the index as
    // real additions are (what an add hashes again runs from the change to the end).
    const name = `${from.name}-${suffix}${k}`;
    const control = from.control
      .replace(/^Package: .*$/m, `Package: ${name}`)
      .replace(/^Source: .*\n/m, '')
      .replace(/^Version: .*$/m, 'Version: 1.0');
    const p = { control, name, version: '1.0', arch: from.arch };
    writeDeb(dir, p);
    out.push(path.join(dir, debName(p)));
  }
  return out;
}
