import { describe, expect, it } from 'vitest';
import { contentsPaths, renderContents } from '../../../src/debian/contents.js';
import { Stanza } from '../../../src/debian/deb822.js';
import { canonicalFieldName } from '../../../src/debian/field-order.js';
import { hashBuffer } from '../../../src/debian/hashing.js';
import { assembleIndex, renderPackagesStanza } from '../../../src/debian/packages-index.js';
import { formatReleaseDate, renderRelease } from '../../../src/debian/release.js';
import { renderSourcesStanza } from '../../../src/debian/sources-index.js';

const HASHES = { size: 1234, md5: 'm'.repeat(32), sha1: 's'.repeat(40), sha256: 'h'.repeat(64), sha512: 'x'.repeat(128) };

describe('index writers', () => {
  it('renders a Packages stanza in dpkg-scanpackages order, unknown fields sorted last', () => {
    const control = new Stanza([
      ['Package', 'hello'],
      ['Version', '2.10-3'],
      ['Description', 'greeting\nlong text'],
      ['x-zebra', 'z'],
      ['Section', 'devel'],
      ['Original-Maintainer', 'Someone'],
      ['Depends', 'libc6 (>= 2.34)'],
      ['Architecture', 'amd64'],
      ['Maintainer', 'Jane <jane@example.org>'],
      ['Size', '1'], // a stale index field in control data is replaced
    ]);
    const text = renderPackagesStanza(control, { filename: 'pool/main/h/hello/hello_2.10-3_amd64.deb', hashes: HASHES }, { priority: 'optional', sha512: true });
    expect(text).toBe(
      [
        'Package: hello',
        'Version: 2.10-3',
        'Architecture: amd64',
        'Maintainer: Jane <jane@example.org>',
        'Depends: libc6 (>= 2.34)',
        'Filename: pool/main/h/hello/hello_2.10-3_amd64.deb',
        'Size: 1234',
        `MD5sum: ${HASHES.md5}`,
        `SHA1: ${HASHES.sha1}`,
        `SHA256: ${HASHES.sha256}`,
        `SHA512: ${HASHES.sha512}`,
        'Section: devel',
        'Priority: optional',
        'Description: greeting',
        ' long text',
        'Original-Maintainer: Someone',
        'X-Zebra: z',
        '',
      ].join('\n'),
    );
    expect(assembleIndex([text, 'Package: b\n'])).toBe(`${text}\nPackage: b\n\n`);
  });

  it('spells field names as dpkg does', () => {
    expect(['md5sum', 'SHA256', 'x-python-VERSION', 'notautomatic', 'vcs-git'].map(canonicalFieldName)).toEqual([
      'MD5sum',
      'SHA256',
      'X-Python-Version',
      'NotAutomatic',
      'Vcs-Git',
    ]);
  });

  it('renders a Sources stanza with Package, Directory and the .dsc listed first', () => {
    const dsc = new Stanza([
      ['Format', '3.0 (quilt)'],
      ['Source', 'hello'],
      ['Binary', 'hello'],
      ['Version', '2.10-3'],
      ['Maintainer', 'Jane <jane@example.org>'],
      ['Checksums-Sha256', `\n${'a'.repeat(64)} 10 hello_2.10.orig.tar.gz`],
      ['Files', `\n${'b'.repeat(32)} 10 hello_2.10.orig.tar.gz`],
    ]);
    const dscHashes = hashBuffer('the dsc');
    const text = renderSourcesStanza(dsc, { directory: 'pool/main/h/hello', dsc: { name: 'hello_2.10-3.dsc', hashes: dscHashes }, section: 'devel' });
    expect(text).toBe(
      [
        'Format: 3.0 (quilt)',
        'Package: hello',
        'Binary: hello',
        'Version: 2.10-3',
        'Section: devel',
        'Maintainer: Jane <jane@example.org>',
        'Directory: pool/main/h/hello',
        'Checksums-Sha1:',
        ` ${dscHashes.sha1} 7 hello_2.10-3.dsc`,
        'Checksums-Sha256:',
        ` ${dscHashes.sha256} 7 hello_2.10-3.dsc`,
        ` ${'a'.repeat(64)} 10 hello_2.10.orig.tar.gz`,
        'Files:',
        ` ${dscHashes.md5} 7 hello_2.10-3.dsc`,
        ` ${'b'.repeat(32)} 10 hello_2.10.orig.tar.gz`,
        '',
      ].join('\n'),
    );
  });

  it('renders a Release file with all optional fields', () => {
    const text = renderRelease({
      origin: 'debyard',
      label: 'test',
      suite: 'bookworm-test-experimental',
      codename: 'bookworm-test-experimental',
      version: '12',
      date: new Date('2025-03-01T10:00:00Z'),
      validUntil: new Date('2025-03-08T10:00:00Z'),
      notAutomatic: true,
      butAutomaticUpgrades: true,
      acquireByHash: true,
      architectures: ['amd64', 'all'],
      components: ['main'],
      description: 'experimental suite',
      files: [
        { path: 'main/binary-amd64/Packages.xz', hashes: { ...HASHES, size: 5 } },
        { path: 'main/binary-amd64/Packages', hashes: HASHES },
      ],
    });
    expect(text).toBe(
      [
        'Origin: debyard',
        'Label: test',
        'Suite: bookworm-test-experimental',
        'Version: 12',
        'Codename: bookworm-test-experimental',
        'Date: Sat, 01 Mar 2025 10:00:00 UTC',
        'Valid-Until: Sat, 08 Mar 2025 10:00:00 UTC',
        'NotAutomatic: yes',
        'ButAutomaticUpgrades: yes',
        'Acquire-By-Hash: yes',
        'Architectures: amd64 all',
        'Components: main',
        'Description: experimental suite',
        'SHA256:',
        ` ${HASHES.sha256}             1234 main/binary-amd64/Packages`,
        ` ${HASHES.sha256}                5 main/binary-amd64/Packages.xz`,
        '',
      ].join('\n'),
    );
    const both = renderRelease({ date: new Date('2025-03-01T10:00:00Z'), architectures: ['amd64'], components: ['main'], hashSections: ['SHA256', 'SHA512'], files: [{ path: 'main/binary-amd64/Packages', hashes: HASHES }] });
    expect(both).toContain(`SHA256:\n ${HASHES.sha256}             1234 main/binary-amd64/Packages\nSHA512:\n ${HASHES.sha512}             1234 main/binary-amd64/Packages\n`);
    expect(formatReleaseDate(new Date('2025-01-05T01:02:03Z'))).toBe('Sun, 05 Jan 2025 01:02:03 UTC');
    expect(() => renderRelease({ date: new Date(), architectures: [], components: [], hashSections: ['MD5Sum'], files: [{ path: 'x', hashes: { size: 1 } }] })).toThrow('Release: no MD5Sum given for x');
  });

  it('renders Contents sorted, packages merged, spaced like apt-ftparchive', () => {
    const entries = [
      { path: 'usr', type: 'directory' as const, size: 0, mode: 0o755 },
      { path: 'usr/bin/hello', type: 'file' as const, size: 5, mode: 0o755 },
    ];
    expect(contentsPaths(entries)).toEqual(['usr/bin/hello']);
    const long = `usr/share/${'x'.repeat(60)}`;
    const text = renderContents([
      { qualifiedName: 'devel/hello', paths: ['usr/bin/hello', long] },
      { qualifiedName: 'admin/alpha', paths: ['usr/bin/hello'] },
    ]);
    expect(text).toBe(`usr/bin/hello\t\t\t\t\t\t    admin/alpha,devel/hello\n${long} devel/hello\n`);
  });
});
