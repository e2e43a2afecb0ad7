import { describe, expect, it } from 'vitest';
import { checkBuildinfo, parseBuildinfo } from '../../../src/debian/buildinfo.js';
import { checkDsc, parseDsc } from '../../../src/debian/dsc.js';
import { checksumFields, dscText } from '../../fixtures/debian/upload-texts.js';

const QUILT = [{ name: 'hello_2.10.orig.tar.gz' }, { name: 'hello_2.10-3.debian.tar.xz' }];

function problemsOf(names: string[], fields: Record<string, string> = {}, dscName = 'hello_2.10-3.dsc') {
  const text = dscText(names.map((name) => ({ name })), fields);
  return checkDsc(text, dscName).problems.map((p) => p.message);
}

describe('.dsc', () => {
  it('reads a 3.0 (quilt) source package', () => {
    const dsc = parseDsc(dscText(QUILT), 'hello_2.10-3.dsc');
    expect(dsc).toMatchObject({
      format: '3.0 (quilt)',
      source: 'hello',
      version: '2.10-3',
      binaries: ['hello', 'hello-doc'],
      architectures: ['any', 'all'],
    });
    expect(dsc.files.map((f) => f.name)).toEqual(QUILT.map((f) => f.name));
  });

  it.each([
    ['3.0 (quilt) with signed orig and a component', '3.0 (quilt)', '2.10-3', ['hello_2.10.orig.tar.gz', 'hello_2.10.orig.tar.gz.asc', 'hello_2.10.orig-doc.tar.xz', 'hello_2.10-3.debian.tar.xz']],
    ['3.0 (native)', '3.0 (native)', '2.10', ['hello_2.10.tar.xz']],
    ['1.0 non-native', '1.0', '2.10-3', ['hello_2.10.orig.tar.gz', 'hello_2.10-3.diff.gz']],
    ['1.0 native', '1.0', '2.10', ['hello_2.10.tar.gz']],
    ['epochs do not appear in file names', '3.0 (quilt)', '1:2.10-3', ['hello_2.10.orig.tar.gz', 'hello_2.10-3.debian.tar.xz']],
  ])('accepts %s', (_what, format, version, names) => {
    expect(problemsOf(names, { Format: format, Version: version }, `hello_${version.replace(/^\d+:/, '')}.dsc`)).toEqual([]);
  });

  it.each([
    [
      '3.0 (quilt) without debian tarball, with a stray diff',
      '3.0 (quilt)',
      '2.10-3',
      ['hello_2.10.orig.tar.gz', 'hello_2.10-3.diff.gz'],
      ['hello_2.10-3.diff.gz does not belong in a 3.0 (quilt) source package', 'no hello_2.10-3.debian.tar.* in the file list'],
    ],
    [
      '3.0 (quilt) with two compressions of the orig and no revision',
      '3.0 (quilt)',
      '2.10',
      ['hello_2.10.orig.tar.gz', 'hello_2.10.orig.tar.xz', 'hello_2.10.debian.tar.xz'],
      ['hello_2.10.orig.tar.* is listed more than once (with different compressions)', 'non-native version 2.10 has no Debian revision (like 2.10-1)'],
    ],
    [
      '3.0 (quilt) with an orphan signature and a wrong upstream',
      '3.0 (quilt)',
      '2.10-3',
      ['hello_2.9.orig.tar.gz', 'hello_2.10.orig.tar.gz.asc', 'hello_2.10-3.debian.tar.xz'],
      ['hello_2.9.orig.tar.gz does not belong in a 3.0 (quilt) source package', 'signature hello_2.10.orig.tar.gz.asc has no matching hello_2.10.orig.tar.gz', 'no hello_2.10.orig.tar.* in the file list'],
    ],
    [
      '3.0 (native) with a revision and an orig',
      '3.0 (native)',
      '2.10-3',
      ['hello_2.10-3.tar.xz', 'hello_2.10.orig.tar.gz'],
      ['hello_2.10.orig.tar.gz does not belong in a 3.0 (native) source package', 'native package version 2.10-3 may not have a Debian revision'],
    ],
    [
      '1.0 with xz and a diff without orig',
      '1.0',
      '2.10-3',
      ['hello_2.10-3.tar.xz', 'hello_2.10-3.diff.gz'],
      [
        'hello_2.10-3.tar.xz does not belong in a format 1.0 (only .orig.tar.gz + .diff.gz, or one .tar.gz, gzip only) source package',
        'no hello_2.10.orig.tar.gz or hello_2.10-3.tar.gz in the file list',
        'hello_2.10-3.diff.gz needs hello_2.10.orig.tar.gz',
      ],
    ],
  ])('refuses %s', (_what, format, version, names, problems) => {
    expect(problemsOf(names, { Format: format, Version: version }, `hello_${version}.dsc`)).toEqual(problems);
  });

  it('refuses unknown formats, bad names and a mismatching file name, with lines', () => {
    const text = dscText(QUILT, { Format: '3.0 (git)', Source: 'Hello', Version: 'x' });
    expect(checkDsc(text, 'hello_2.10-3.dsc').problems).toEqual([
      {
        where: 'hello_2.10-3.dsc:2',
        message: 'invalid package name "Hello" in Source: use lowercase letters, digits and "+-.", at least two characters, starting with a letter or digit',
      },
      { where: 'hello_2.10-3.dsc:5', message: 'invalid Version "x": version number does not start with digit' },
      { where: 'hello_2.10-3.dsc:1', message: 'unsupported source format "3.0 (git)" (supported: 1.0, 3.0 (quilt), 3.0 (native))' },
    ]);
    expect(problemsOf(QUILT.map((f) => f.name), {}, 'hello_2.10-4.dsc')).toEqual([
      'file name does not match Source and Version: expected hello_2.10-3.dsc',
    ]);
  });

  it('requires the fields and checksums dpkg-source needs', () => {
    const text = 'Format: 3.0 (quilt)\nSource: hello\nVersion: 1.0-1\nFiles:\n 0123 1 hello_1.0.orig.tar.gz\n';
    expect(() => parseDsc(text, 'hello_1.0-1.dsc')).toThrow(
      expect.objectContaining({
        message: 'hello_1.0-1.dsc is not a valid source package description',
        problems: [
          { where: 'hello_1.0-1.dsc', message: 'missing required field Maintainer' },
          { where: 'hello_1.0-1.dsc', message: 'missing required field Checksums-Sha256' },
          { where: 'hello_1.0-1.dsc:5', message: 'Files: "0123" is not a 32-digit hexadecimal checksum for hello_1.0.orig.tar.gz' },
          { where: 'hello_1.0-1.dsc:4', message: 'no hello_1.0-1.debian.tar.* in the file list' },
        ],
      }),
    );
  });
});

describe('.buildinfo', () => {
  const files = [{ name: 'hello_2.10-3_amd64.deb' }, { name: 'hello-doc_2.10-3_all.deb' }];
  const text = (fields: string) =>
    `Format: 1.0\nSource: hello\nBinary: hello hello-doc\nArchitecture: amd64 all\nVersion: 2.10-3\n${fields}${checksumFields(files, false, 'Checksums-Md5')}\nBuild-Origin: Debian\nBuild-Architecture: amd64\nBuild-Date: Sat, 01 Mar 2025 10:00:00 +0000\nInstalled-Build-Depends:\n base-files (= 12.4),\n dpkg (= 1.21.22)\n`;

  it('reads a build record', () => {
    const info = parseBuildinfo(text(''), 'hello_2.10-3_amd64.buildinfo');
    expect(info).toMatchObject({
      source: 'hello',
      version: '2.10-3',
      architectures: ['amd64', 'all'],
      binaries: ['hello', 'hello-doc'],
      buildArchitecture: 'amd64',
      installedBuildDepends: ['base-files (= 12.4)', 'dpkg (= 1.21.22)'],
    });
    expect(info.files).toHaveLength(2);
    expect(info.files[0]!.md5).toMatch(/^[0-9a-f]{32}$/);
  });

  it('lists its problems', () => {
    const broken = text('').replace('Build-Architecture: amd64\n', '').replace('Format: 1.0', 'Format: 0.1');
    expect(checkBuildinfo(broken, 'hello_2.10-4_amd64.buildinfo').problems).toEqual([
      { where: 'hello_2.10-4_amd64.buildinfo', message: 'missing required field Build-Architecture' },
      { where: 'hello_2.10-4_amd64.buildinfo:1', message: 'unsupported .buildinfo Format "0.1" (expected 1.0)' },
      { where: 'hello_2.10-4_amd64.buildinfo', message: 'file name does not match Source and Version: expected hello_2.10-3_amd64.buildinfo' },
    ]);
  });
});
