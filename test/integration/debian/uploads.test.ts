import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBuildinfo } from '../../../src/debian/buildinfo.js';
import { checkChanges } from '../../../src/debian/changes.js';
import { checkDsc } from '../../../src/debian/dsc.js';
import { buildFullUpload, buildSource, persistentTempDir, run, tempDir } from '../../fixtures/index.js';

const read = (dir: string, suffix: string): [string, string] => {
  const name = readdirSync(dir).find((n) => n.endsWith(suffix))!;
  return [name, readFileSync(path.join(dir, name), 'utf8')];
};

// dpkg-buildpackage of a tiny package: a few seconds.
describe('uploads made by dpkg-buildpackage and dpkg-source', () => {
  let dir: string;
  beforeAll(() => {
    dir = persistentTempDir();
    buildFullUpload(dir, { name: 'hello-debyard', version: '1.0-1', format: '3.0 (quilt)' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing wrong with the .changes and classifies it as mixed', () => {
    const [name, text] = read(dir, '.changes');
    const { changes, problems } = checkChanges(text, name);
    expect(problems).toEqual([]);
    expect(changes).toMatchObject({
      source: 'hello-debyard',
      version: '1.0-1',
      binaries: ['hello-debyard', 'hello-debyard-doc'],
      contents: { kind: 'mixed', source: true, archAll: true, archSpecific: true },
    });
    const kinds = changes!.files.map((f) => f.parsed?.kind).sort();
    expect(kinds).toEqual(['buildinfo', 'deb', 'deb', 'debian-tarball', 'dsc', 'orig-tarball']);
  });

  it('finds nothing wrong with the .dsc and .buildinfo', () => {
    const [dscName, dscText] = read(dir, '.dsc');
    expect(checkDsc(dscText, dscName).problems).toEqual([]);
    const [biName, biText] = read(dir, '.buildinfo');
    const { buildinfo, problems } = checkBuildinfo(biText, biName);
    expect(problems).toEqual([]);
    expect(buildinfo!.installedBuildDepends.some((d) => d.startsWith('dpkg (= '))).toBe(true);
  });

  it('reads the .changes clear-signed by gpg, keeping the armored text', () => {
    const home = tempDir();
    const gpg = ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', ''];
    run('gpg', [...gpg, '--quick-gen-key', 'Debyard Tests <tests@example.org>', 'ed25519', 'sign', 'never']);
    const [name, text] = read(dir, '.changes');
    const signedText = run('gpg', [...gpg, '--clearsign', '--output', '-'], { input: text });
    const { changes, problems } = checkChanges(signedText, name);
    expect(problems).toEqual([]);
    expect(changes!.signed!.armored).toBe(signedText);
    expect(changes!.signed!.body).toBe(text);
    expect(changes!.signed!.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----\n[\s\S]+-----END PGP SIGNATURE-----\n$/);
    expect(changes!.stanza.toString()).toBe(checkChanges(text, name).changes!.stanza.toString());
  });

  it.each([
    ['1.0', '2.0-1'],
    ['1.0', '2.0'],
    ['3.0 (native)', '2.0'],
    ['3.0 (quilt)', '1:2.0-1'],
  ] as const)('finds nothing wrong with a %s source package, version %s', (format, version) => {
    const out = tempDir();
    const dsc = buildSource(out, { name: 'srcpkg', version, format, buildable: true });
    const { dsc: parsed, problems } = checkDsc(readFileSync(dsc, 'utf8'), path.basename(dsc));
    expect(problems).toEqual([]);
    expect(parsed!.format).toBe(format);
  });
});
