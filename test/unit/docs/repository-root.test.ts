import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../fixtures/index.js';

/** Debian package files: source packages, uploads, binaries and their tarballs. */
const PACKAGE_FILE = /\.(dsc|changes|buildinfo|deb|udeb)$|\.tar(\.(gz|xz|bz2|zst|lzma))?$/;

describe('the repository root', () => {
  it('holds no stray Debian package files (test packages live under test/fixtures/)', () => {
    expect(readdirSync(REPO_ROOT).filter((name) => PACKAGE_FILE.test(name))).toEqual([]);
  });
});
