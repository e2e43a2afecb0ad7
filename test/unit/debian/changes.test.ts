import { describe, expect, it } from 'vitest';
import { checkChanges, parseChanges } from '../../../src/debian/changes.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { changesText, FULL_UPLOAD } from '../../fixtures/debian/upload-texts.js';

const NAME = 'hello_2.10-3_amd64.changes';

describe('.changes', () => {
  it('reads a full upload and classifies its files', () => {
    const changes = parseChanges(changesText(FULL_UPLOAD), NAME);
    expect(changes).toMatchObject({
      source: 'hello',
      sourceVersion: '2.10-3',
      version: '2.10-3',
      architectures: ['source', 'amd64', 'all'],
      distributions: ['unstable'],
      binaries: ['hello', 'hello-doc'],
      urgency: 'medium',
      closes: ['123', '456'],
      contents: {
        source: true,
        binaryArchitectures: ['all', 'amd64'],
        archAll: true,
        archSpecific: true,
        kind: 'mixed',
      },
    });
    const doc = changes.files.find((f) => f.name === 'hello-doc_2.10-3_all.deb')!;
    expect(doc).toMatchObject({ section: 'doc', priority: 'optional', size: 35 });
    expect(doc.parsed).toEqual({ kind: 'deb', package: 'hello-doc', version: '2.10-3', architecture: 'all' });
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('classifies source-only and arch-all-only uploads', () => {
    const sourceOnly = FULL_UPLOAD.slice(0, 3).concat({ name: 'hello_2.10-3_source.buildinfo' });
    const text = changesText(sourceOnly, { Architecture: 'source', Binary: undefined });
    expect(parseChanges(text, NAME).contents.kind).toBe('source');
    const allOnly = [{ name: 'hello-doc_2.10-3_all.deb' }, { name: 'hello_2.10-3_all.buildinfo' }];
    const contents = parseChanges(changesText(allOnly, { Architecture: 'all', Binary: 'hello-doc' }), NAME).contents;
    expect(contents).toMatchObject({ kind: 'binary', archAll: true, archSpecific: false });
  });

  it('takes a binNMU: Source carries the source version', () => {
    const files = [{ name: 'hello_2.10-3+b1_amd64.deb' }, { name: 'hello_2.10-3+b1_amd64.buildinfo' }];
    const text = changesText(files, { Source: 'hello (2.10-3)', Version: '2.10-3+b1', Architecture: 'amd64', Binary: 'hello' });
    const changes = parseChanges(text, NAME);
    expect(changes.sourceVersion).toBe('2.10-3');
    expect(changes.version).toBe('2.10-3+b1');
  });

  it('lists every problem of a broken upload, each with where it is', () => {
    const files = [
      ...FULL_UPLOAD.filter((f) => !f.name.endsWith('.buildinfo')),
      { name: 'hello_2.9.orig.tar.gz' },
      { name: 'other_2.10-3_i386.deb' },
      { name: '../etc/passwd' },
      { name: 'README' },
    ];
    let text = changesText(files, { Date: 'yesterday', Urgency: 'soon', Closes: '12 #34', Maintainer: undefined });
    text = text.replace(/^ [0-9a-f]{64} (\d+) hello_2.10-3_amd64.deb$/m, ' abc $1 hello_2.10-3_amd64.deb');
    text = text.replace(/^( [0-9a-f]{40}) \d+ (hello-doc_2.10-3_all.deb)$/m, '$1 999 $2');
    text = text.replace(/^ [0-9a-f]{40} \d+ README\n/m, '');
    const { changes, problems } = checkChanges(text, NAME);
    expect(changes?.source).toBe('hello');
    expect(problems).toEqual([
      { where: NAME, message: 'missing required field Maintainer' },
      { where: `${NAME}:2`, message: 'Date "yesterday" is not an RFC 2822 date' },
      { where: `${NAME}:8`, message: 'unknown Urgency "soon" (use low, medium, high, critical, emergency)' },
      { where: `${NAME}:12`, message: 'Closes lists "#34", which is not a bug number' },
      { where: `${NAME}:44`, message: 'Files: unsafe file name "../etc/passwd" contains "/"' },
      { where: `${NAME}:25`, message: 'Checksums-Sha1: unsafe file name "../etc/passwd" contains "/"' },
      { where: NAME, message: 'Checksums-Sha1 gives hello-doc_2.10-3_all.deb size 999, but Files gives 35' },
      { where: NAME, message: 'README is listed in Files but missing from Checksums-Sha1' },
      {
        where: `${NAME}:30`,
        message: 'Checksums-Sha256: "abc" is not a 64-digit hexadecimal checksum for hello_2.10-3_amd64.deb',
      },
      { where: `${NAME}:34`, message: 'Checksums-Sha256: unsafe file name "../etc/passwd" contains "/"' },
      { where: NAME, message: 'hello_2.9.orig.tar.gz has version 2.9, the .changes says 2.10' },
      { where: NAME, message: 'other_2.10-3_i386.deb is for architecture i386, which the Architecture field does not list' },
      { where: NAME, message: 'other_2.10-3_i386.deb is package other, which the Binary field does not list' },
      { where: NAME, message: 'README is not named like a Debian package file (name_version[_arch].ext)' },
    ]);
    expect(() => parseChanges(text, NAME)).toThrow(InvalidInputError);
  });

  it('checks the Architecture field against the files', () => {
    const files = [{ name: 'hello_2.10-3_amd64.deb' }, { name: 'hello_2.10-3.dsc' }, { name: 'hello_2.10-3.tar.xz' }];
    const text = changesText(files, { Architecture: 'amd64 arm64', Binary: 'hello' });
    expect(checkChanges(text, NAME).problems).toEqual([
      { where: NAME, message: 'a .dsc is uploaded but Architecture does not list "source"' },
      { where: NAME, message: 'Architecture lists arm64 but no package for arm64 is uploaded' },
    ]);
  });

  it('reports wrong source names and versions, and the missing Binary field', () => {
    const files = [{ name: 'hullo_2.10-3.dsc' }, { name: 'hello_2.10-4_amd64.deb' }];
    const text = changesText(files, { Binary: undefined, Source: 'hello', Format: '2.0' });
    expect(checkChanges(text, NAME).problems).toEqual([
      { where: `${NAME}:1`, message: 'unsupported .changes Format "2.0" (expected 1.8)' },
      { where: NAME, message: 'missing field Binary (required when binary packages are uploaded)' },
      { where: NAME, message: 'hullo_2.10-3.dsc belongs to source package hullo, not hello' },
      { where: NAME, message: 'hello_2.10-4_amd64.deb has version 2.10-4, the .changes says 2.10-3' },
      { where: NAME, message: 'hello_2.10-4_amd64.deb is package hello, which the Binary field does not list' },
      { where: NAME, message: 'Architecture lists all but no package for all is uploaded' },
    ]);
  });

  it('reports invalid names and versions in fields', () => {
    const text = changesText(FULL_UPLOAD, { Source: 'Hello_World', Version: '2.10-' });
    expect(checkChanges(text, NAME).problems).toEqual([
      {
        where: `${NAME}:3`,
        message:
          'invalid package name "Hello_World" in Source: use lowercase letters, digits and "+-.", at least two characters, starting with a letter or digit',
      },
      { where: `${NAME}:6`, message: 'invalid Version "2.10-": revision number is empty' },
    ]);
  });

  it('gives up with the syntax errors when the file is not deb822', () => {
    expect(checkChanges('garbage\n', NAME)).toEqual({
      problems: [{ where: `${NAME}:1`, message: 'expected "Field: value", found "garbage"' }],
    });
  });
});
