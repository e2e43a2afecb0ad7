import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { changelogEntry, portVersion } from '../../../src/own-uploads/port-version.js';
import { tempDir } from '../../fixtures/index.js';

const test12 = { repository: 'test', codeversion: '12' };
const test13 = { repository: 'test', codeversion: '13' };

describe('portVersion', () => {
  it("replaces the source distribution's suffix by the target's", () => {
    expect(portVersion('1.0-1~test12+3', test12, test13, 1)).toBe('1.0-1~test13+1');
    expect(
      portVersion('2:1.0-1~test12+1', test12, { repository: 'prod', codeversion: '12' }, 2),
    ).toBe('2:1.0-1~prod12+2');
    expect(portVersion('1.0~test12+1', test12, test12, 2)).toBe('1.0~test12+2');
  });

  it('appends to versions that do not carry the suffix (external sources)', () => {
    expect(portVersion('2.36-9+deb12u4', null, test13, 1)).toBe('2.36-9+deb12u4~test13+1');
    expect(
      portVersion('1.0-1~test12+1', { repository: 'other', codeversion: '12' }, test13, 1),
    ).toBe('1.0-1~test12+1~test13+1');
  });
});

describe('changelogEntry', () => {
  it('is what dpkg-parsechangelog reads', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'debian'));
    const entry = changelogEntry({
      source: 'hello',
      version: '1.0-1~test13+1',
      distribution: 'trixie-test-unstable',
      lines: ['* Port of hello 1.0-1~test12+1 (no changes).'],
      maintainer: 'debyard testyard <debyard@testyard.invalid>',
      date: new Date('2026-03-01T12:34:56Z'),
    });
    writeFileSync(path.join(dir, 'debian', 'changelog'), entry);
    const parsed = execFileSync('dpkg-parsechangelog', ['-l', 'debian/changelog'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(parsed).toContain('Version: 1.0-1~test13+1\n');
    expect(parsed).toContain('Distribution: trixie-test-unstable\n');
    expect(parsed).toContain('Date: Sun, 01 Mar 2026 12:34:56 +0000\n');
    expect(parsed).toContain('Maintainer: debyard testyard <debyard@testyard.invalid>\n');
  });
});
