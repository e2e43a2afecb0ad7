import { createReadStream, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressBuffer } from '../../../src/debian/compression.js';
import { contentsPaths, renderContents } from '../../../src/debian/contents.js';
import { parseControlFile } from '../../../src/debian/control-file.js';
import { parseDeb822 } from '../../../src/debian/deb822.js';
import { readDeb, type DebInfo } from '../../../src/debian/deb-reader.js';
import { hashBuffer } from '../../../src/debian/hashing.js';
import { assembleIndex, renderPackagesStanza } from '../../../src/debian/packages-index.js';
import { renderRelease } from '../../../src/debian/release.js';
import { renderSourcesStanza } from '../../../src/debian/sources-index.js';
import { aptDownload, buildDeb, buildFullUpload, buildSource, persistentTempDir, run } from '../../fixtures/index.js';

type Fields = Record<string, string>;

/** A parsed index: package name → its fields (names lowercased: they are case-insensitive). */
function byPackage(text: string): Map<string, Fields> {
  const map = new Map<string, Fields>();
  for (const stanza of parseDeb822(text)) {
    map.set(stanza.get('Package')!, Object.fromEntries(stanza.fields.map((f) => [f.name.toLowerCase(), f.value])));
  }
  return map;
}

// A folder of real packages: 4 downloaded from Debian, 3 built with dpkg-deb, 2 from
// dpkg-buildpackage, and 4 source packages. Setting it up takes ~10 s.
describe('indices against dpkg-scanpackages, dpkg-scansources and apt-ftparchive', () => {
  let root: string;
  const debs = new Map<string, { info: DebInfo; filename: string }>();
  const dscs: string[] = [];

  beforeAll(async () => {
    root = persistentTempDir();
    const pool = path.join(root, 'pool');
    mkdirSync(pool);
    aptDownload(pool, ['hello', 'base-files', 'zlib1g-dev', 'tzdata']);
    buildDeb(pool, { name: 'tool-one', version: '1.0-1', architecture: 'amd64', compression: 'xz', fields: { 'X-Odd-field': 'x', Depends: 'libc6,\n  libfoo1 (>= 2)', 'Multi-Arch': 'foreign' } });
    buildDeb(pool, { name: 'tool-two', version: '2:0.9~rc1', compression: 'zstd', fields: { Essential: 'no', Homepage: 'https://example.org' } });
    buildDeb(pool, { name: 'tool-three', version: '3', compression: 'none', files: { 'usr/share/tool-three/data': 'x' } });
    buildFullUpload(pool, { name: 'hello-debyard', version: '1.0-1', format: '3.0 (quilt)' });
    for (const [format, version] of [['1.0', '2.0-1'], ['3.0 (native)', '2.0'], ['1.0', '3.0']] as const) {
      buildSource(pool, { name: `src-${format.replace(/\W/g, '')}-${version.replace(/\W/g, '')}`, version, format, buildable: true });
    }
    for (const name of readdirSync(pool)) {
      if (!/\.(deb|dsc|orig\.tar\.gz|debian\.tar\.xz|diff\.gz|tar\.xz|tar\.gz)$/.test(name)) {
        rmSync(path.join(pool, name), { recursive: true, force: true });
      }
    }
    for (const name of readdirSync(pool).sort()) {
      if (name.endsWith('.deb')) {
        const info = await readDeb(createReadStream(path.join(pool, name)), { files: true, hashes: true, name });
        debs.set(info.control.get('Package')!, { info, filename: `pool/${name}` });
      }
      if (name.endsWith('.dsc')) dscs.push(name);
    }
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function packagesText(sha512 = false): string {
    const names = [...debs.keys()].sort();
    return assembleIndex(names.map((n) => renderPackagesStanza(debs.get(n)!.info.control, { filename: debs.get(n)!.filename, hashes: debs.get(n)!.info.hashes! }, { sha512 })));
  }

  function sourcesText(): string {
    const stanzas = dscs.map((name) => {
      const text = readFileSync(path.join(root, 'pool', name));
      const { stanza } = parseControlFile(text.toString('utf8'), name);
      return { name: stanza.get('Source')!, text: renderSourcesStanza(stanza, { directory: 'pool', dsc: { name, hashes: hashBuffer(text) } }) };
    });
    return assembleIndex(stanzas.sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => s.text));
  }

  it('writes Packages exactly as dpkg-scanpackages does', () => {
    expect(debs.size).toBe(9);
    const theirs = run('dpkg-scanpackages', ['pool', '/dev/null'], { cwd: root });
    expect(packagesText()).toBe(theirs);
  });

  it('writes the same Packages fields as apt-ftparchive', () => {
    const theirs = byPackage(run('apt-ftparchive', ['packages', 'pool'], { cwd: root }));
    const ours = byPackage(packagesText(true));
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [name, fields] of ours) expect(fields, name).toEqual(theirs.get(name));
  });

  it('writes Sources exactly as dpkg-scansources does', () => {
    expect(dscs).toHaveLength(4);
    const theirs = run('dpkg-scansources', ['pool', '/dev/null'], { cwd: root });
    expect(sourcesText()).toBe(theirs);
  });

  it('writes the same Sources fields as apt-ftparchive (except the checksums it adds)', () => {
    const theirs = byPackage(run('apt-ftparchive', ['sources', 'pool'], { cwd: root }));
    const ours = byPackage(sourcesText());
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [name, fields] of ours) {
      const { 'checksums-sha512': _sha512, ...comparable } = theirs.get(name)!;
      expect(fields, name).toEqual(comparable);
    }
  });

  it('writes Contents exactly as apt-ftparchive contents does', () => {
    const ours = renderContents([...debs.values()].map(({ info }) => ({ qualifiedName: info.control.get('Package')!, paths: contentsPaths(info.files!) })));
    expect(ours.split('\n').length).toBeGreaterThan(500);
    expect(ours).toBe(run('apt-ftparchive', ['contents', 'pool'], { cwd: root }));
  });

  it('lists the same sizes and checksums in Release as apt-ftparchive release', async () => {
    const dist = path.join(root, 'dists', 'test');
    const files: Record<string, string> = {
      'main/binary-amd64/Packages': packagesText(),
      'main/source/Sources': sourcesText(),
      'main/Contents-amd64': renderContents([]),
    };
    const entries = [];
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
      for (const kind of ['none', 'gzip', 'xz'] as const) {
        const data = await compressBuffer(text, kind);
        const name = file + { none: '', gzip: '.gz', xz: '.xz' }[kind];
        writeFileSync(path.join(dist, name), data);
        entries.push({ path: name, hashes: hashBuffer(data) });
      }
    }
    const release = renderRelease({ origin: 'debyard', label: 'debyard', suite: 'test', codename: 'test', date: new Date(), architectures: ['amd64'], components: ['main'], hashSections: ['SHA256', 'SHA512'], files: entries });
    const theirs = run('apt-ftparchive', ['release', '.'], { cwd: dist });
    const sections = (text: string) => {
      const out: Record<string, string[]> = {};
      for (const stanza of parseDeb822(text)) {
        for (const key of ['SHA256', 'SHA512']) out[key] = (stanza.get(key) ?? '').split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).join(' ')).sort();
      }
      return out;
    };
    expect(sections(release)).toEqual(sections(theirs));
    expect(sections(release).SHA256).toHaveLength(9);
  });
});
