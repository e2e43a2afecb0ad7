import { describe, expect, it } from 'vitest';
import { isValidPackageName, parseDebianFilename, unsafeFilenameReason } from '../../../src/debian/names.js';

describe('Debian names', () => {
  it.each([
    ['hello_2.10-3_amd64.deb', { kind: 'deb', package: 'hello', version: '2.10-3', architecture: 'amd64' }],
    ['hello-udeb_1.0_all.udeb', { kind: 'udeb', package: 'hello-udeb', version: '1.0', architecture: 'all' }],
    ['hello-dbgsym_1.0_arm64.ddeb', { kind: 'ddeb', package: 'hello-dbgsym', version: '1.0', architecture: 'arm64' }],
    ['hello_2.10-3.dsc', { kind: 'dsc', package: 'hello', version: '2.10-3' }],
    ['hello_2.10.orig.tar.xz', { kind: 'orig-tarball', package: 'hello', version: '2.10', compression: 'xz' }],
    ['hello_2.10.orig-docs.tar.gz', { kind: 'orig-tarball', package: 'hello', version: '2.10', component: 'docs', compression: 'gz' }],
    ['hello_2.10.orig.tar.gz.asc', { kind: 'orig-signature', package: 'hello', version: '2.10', compression: 'gz' }],
    ['hello_2.10-3.debian.tar.xz', { kind: 'debian-tarball', package: 'hello', version: '2.10-3', compression: 'xz' }],
    ['hello_2.10-3.diff.gz', { kind: 'diff', package: 'hello', version: '2.10-3' }],
    ['hello_2.10.tar.bz2', { kind: 'native-tarball', package: 'hello', version: '2.10', compression: 'bz2' }],
    ['hello_2.10-3_source.buildinfo', { kind: 'buildinfo', package: 'hello', version: '2.10-3', architecture: 'source' }],
    ['hello_2.10-3_amd64.changes', { kind: 'changes', package: 'hello', version: '2.10-3', architecture: 'amd64' }],
  ])('recognises %s', (name, parsed) => {
    expect(parseDebianFilename(name)).toEqual(parsed);
  });

  it.each(['hello.deb', 'Hello_1.0_all.deb', 'hello_1:1.0_all.deb', 'hello_1.0_all.rpm', 'README'])('does not take %s for a Debian file', (name) => {
    expect(parseDebianFilename(name)).toBeUndefined();
  });

  it.each([
    ['', 'empty file name'],
    ['a/b.deb', 'file name "a/b.deb" contains "/"'],
    ['.hidden', 'file name ".hidden" starts with "."'],
    ['a b.deb', 'file name "a b.deb" contains characters other than letters, digits and "_.+~-"'],
    ['x\n.deb', 'file name "x\n.deb" contains characters other than letters, digits and "_.+~-"'],
  ])('calls %j unsafe', (name, reason) => {
    expect(unsafeFilenameReason(name)).toBe(reason);
  });

  it('checks package names', () => {
    expect(['hello', 'libc6', 'g++-12', 'x.y'].every(isValidPackageName)).toBe(true);
    expect(['a', 'Hello', '-x', 'a_b', ''].some(isValidPackageName)).toBe(false);
  });
});
