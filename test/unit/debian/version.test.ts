import { describe, expect, it } from 'vitest';
import {
  checkVersion,
  compareVersions,
  formatVersion,
  parseVersion,
  versionSatisfies,
  versionWithoutEpoch,
} from '../../../src/debian/version.js';
import { VERSION_EDGE_CASES } from '../../fixtures/debian/version-edge-cases.js';

describe('Debian versions', () => {
  it('parses epoch, upstream and revision', () => {
    expect(parseVersion('2:1.0-2-3')).toEqual({ epoch: 2, upstream: '1.0-2', revision: '3' });
    expect(parseVersion(' 1.0 ')).toEqual({ epoch: 0, upstream: '1.0', revision: '' });
    expect(formatVersion(parseVersion('0:1.0-1'))).toBe('1.0-1');
    expect(formatVersion(parseVersion('3:1.0-1'), { epoch: false })).toBe('1.0-1');
    expect(versionWithoutEpoch('3:1.0-1')).toBe('1.0-1');
  });

  it.each(VERSION_EDGE_CASES)('orders %s against %s as deb-version(7)', (a, b, expected) => {
    expect(Math.sign(compareVersions(a, b))).toBe(expected);
    expect(Math.sign(compareVersions(b, a))).toBe(-expected || 0);
  });

  it('answers relations like dpkg --compare-versions', () => {
    expect(versionSatisfies('1.0', 'eq', '1.0-0')).toBe(true);
    expect(versionSatisfies('1.0~rc1', 'lt', '1.0')).toBe(true);
    expect(versionSatisfies('1.0~rc1', 'ge', '1.0')).toBe(false);
    expect(versionSatisfies('2', 'ne', '1')).toBe(true);
    expect(() => compareVersions('1:', '1')).toThrow('invalid version "1:": nothing after colon');
  });

  it.each([
    ['', 'version string is empty'],
    ['1.0 2', 'version string has embedded spaces'],
    [':1.0', 'epoch in version is empty'],
    ['a:1.0', 'epoch in version is not number'],
    ['-1:1.0', 'epoch in version is negative'],
    ['99999999999:1.0', 'epoch in version is too big'],
    ['1:', 'nothing after colon in version number'],
    ['-1', 'version number is empty'],
    ['1.0-', 'revision number is empty'],
    ['abc', 'version number does not start with digit'],
    ['1.0_1', 'invalid character in version number'],
    ['1.0-1_2', 'invalid character in revision number'],
    ['1.0-1!', 'invalid character in revision number'],
  ])('rejects %j: %s', (text, error) => {
    expect(checkVersion(text)).toEqual({ error });
    expect(() => parseVersion(text)).toThrow(`invalid version "${text}": ${error}`);
  });
});
