import { describe, expect, it } from 'vitest';
import {
  DEFAULT_UPSTREAM_TAG,
  origUrlPrefix,
  pickPristineTar,
  planOrig,
  upstreamTagOf,
  upstreamTagPatternProblem,
} from '../../../../src/own-uploads/git/dep14-layout.js';

const quilt = '3.0 (quilt)\n';
const plan = (layout: Parameters<typeof planOrig>[0], version: string, format?: string) =>
  planOrig(layout, { source: 'hello', version, format, upstreamTag: DEFAULT_UPSTREAM_TAG });

describe('DEP-14 layouts', () => {
  it('native: a quilt tree makes its own upstream tarball, a native one none', () => {
    expect(plan('native', '1.0-1', quilt)).toEqual({ kind: 'tree', upstream: '1.0' });
    expect(plan('native', '1.0', '3.0 (native)\n')).toEqual({ kind: 'none' });
    expect(plan('native', '1.0-1', undefined)).toEqual({ kind: 'none' });
  });

  it('upstream-tag: git archive of upstream/<version> under <source>-<version>/', () => {
    expect(plan('upstream-tag', '1:2.0~rc1-3', quilt)).toEqual({
      kind: 'tag',
      upstream: '2.0~rc1',
      tag: 'refs/tags/upstream/2.0_rc1',
      name: 'hello_2.0~rc1.orig.tar.gz',
      prefix: 'hello-2.0~rc1/',
    });
  });

  it('pristine-tar: the upstream tag of the version and its pristine tarball', () => {
    expect(plan('pristine-tar', '2.0-1~test12+1', quilt)).toEqual({
      kind: 'pristine-tar',
      upstream: '2.0',
      tag: 'refs/tags/upstream/2.0',
    });
  });

  it('watch: the upstream version to download; a packaging branch all the same', () => {
    expect(plan('watch', '1:2.0~rc1-3', quilt)).toEqual({ kind: 'watch', upstream: '2.0~rc1' });
    expect(() => plan('watch', '2.0', quilt)).toThrow(/has no Debian revision/);
    expect(() => plan('watch', '2.0-1', '3.0 (native)\n')).toThrow(/watch layout makes a 3\.0/);
  });

  it('orig URL prefixes are http(s) folders without user, query or encoded slashes', () => {
    expect(origUrlPrefix('https://download.example.org/hello')).toBe(
      'https://download.example.org/hello/',
    );
    expect(origUrlPrefix('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/');
    for (const [given, problem] of [
      ['ftp://ftp.example.org/pub/', /is not http\(s\)/],
      ['https://me:pw@example.org/x/', /holds a user or password/],
      ['https://example.org/x/?a=1', /has a query or fragment/],
      ['https://example.org/x/#top', /has a query or fragment/],
      ['https://example.org/x/%2e%2e/', /encoded dots or slashes/],
      ['https://example.org/x/../', /dot segments/],
      ['https://example.org/x/..', /dot segments/],
      ['example.org/x/', /is not a URL/],
    ] as const) {
      expect(() => origUrlPrefix(given), given).toThrow(problem);
    }
  });

  it('a packaging branch needs 3.0 (quilt) and a Debian revision', () => {
    expect(() => plan('upstream-tag', '1.0-1', '3.0 (native)\n')).toThrow(
      /upstream-tag layout makes a 3\.0 \(quilt\) source .* says 3\.0 \(native\)/,
    );
    expect(() => plan('pristine-tar', '1.0-1', undefined)).toThrow(/says nothing \(1\.0\)/);
    expect(() => plan('upstream-tag', '1.0', quilt)).toThrow(
      /version 1\.0 has no Debian revision: a upstream-tag source needs one \(like 1\.0-1\)/,
    );
  });

  it('mangles versions into tag names as DEP-14 and gbp do', () => {
    expect(upstreamTagOf('upstream/%(version)s', '1.0~beta..2')).toBe(
      'refs/tags/upstream/1.0_beta.#.2',
    );
    expect(upstreamTagOf('v%(version)s', '2:1.0')).toBe('refs/tags/v2%1.0');
  });

  it('checks upstream tag patterns', () => {
    expect(upstreamTagPatternProblem('upstream/%(version)s')).toBeUndefined();
    expect(upstreamTagPatternProblem('v%(version)s')).toBeUndefined();
    expect(upstreamTagPatternProblem('upstream/latest')).toMatch(/has no %\(version\)s/);
    expect(upstreamTagPatternProblem('up stream/%(version)s')).toMatch(/upstream tag pattern/);
  });

  it('finds the pristine-tar files of a version, or says what the branch holds', () => {
    const files = [
      'hello_1.0.orig.tar.gz.delta',
      'hello_1.0.orig.tar.gz.id',
      'hello_2.0.orig.tar.xz.delta',
      'hello_2.0.orig.tar.xz.id',
      'hello_3.0.orig.tar.gz.delta',
    ];
    expect(pickPristineTar(files, 'hello', '2.0')).toEqual({
      tarball: 'hello_2.0.orig.tar.xz',
      delta: 'hello_2.0.orig.tar.xz.delta',
      id: 'hello_2.0.orig.tar.xz.id',
    });
    expect(() => pickPristineTar(files, 'hello', '3.0')).toThrow(
      /no hello_3\.0\.orig\.tar\.\* \(delta and id\): it holds hello_1\.0\.orig\.tar\.gz, hello_2\.0/,
    );
    expect(() => pickPristineTar([], 'hello', '1.0')).toThrow(/it holds no tarballs/);
    expect(() =>
      pickPristineTar(
        [...files, 'hello_1.0.orig.tar.bz2.delta', 'hello_1.0.orig.tar.bz2.id'],
        'hello',
        '1.0',
      ),
    ).toThrow(/more than one upstream tarball of hello 1\.0/);
  });
});
