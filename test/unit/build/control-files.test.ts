import { describe, expect, it } from 'vitest';
import { chooseBuildType } from '../../../src/build/build-type.js';
import { readChangesFiles, readDsc } from '../../../src/build/control-files.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';

const DSC = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Format: 3.0 (quilt)
Source: hello
Binary: hello
Architecture: any all
Version: 2.10-3
Checksums-Sha256:
 ${'a'.repeat(64)} 725946 hello_2.10.orig.tar.gz
 ${'b'.repeat(64)} 12688 hello_2.10-3.debian.tar.xz
-----BEGIN PGP SIGNATURE-----

iQ==
-----END PGP SIGNATURE-----
`;

describe('reading the .dsc and .changes', () => {
  it('reads what the builder needs from a signed .dsc', () => {
    expect(readDsc(DSC, 'hello_2.10-3.dsc')).toEqual({
      source: 'hello',
      version: '2.10-3',
      architectures: ['any', 'all'],
      files: [
        { name: 'hello_2.10.orig.tar.gz', size: 725946, sha256: 'a'.repeat(64) },
        { name: 'hello_2.10-3.debian.tar.xz', size: 12688, sha256: 'b'.repeat(64) },
      ],
    });
    expect(() => readDsc('Format: 1.0\nSource: x\n', 'x_1.dsc')).toThrow(
      /x_1.dsc is not a valid source package description/,
    );
    expect(() => readChangesFiles('Source: x\n', 'x_1_amd64.changes')).toThrow(
      'x_1_amd64.changes is not a valid upload',
    );
  });
});

describe('choosing -b, -B or -A', () => {
  const runner = new LocalRunner();
  const dsc = (architectures: string[]) => ({
    source: 'p',
    version: '1',
    architectures,
    files: [],
  });
  const choose = (architectures: string[], archAll: boolean, architecture = 'amd64') =>
    chooseBuildType(dsc(architectures), { architecture, archAll, dscName: 'p_1.dsc' }, runner);

  it('follows the Architecture field and whether this build builds arch:all', async () => {
    expect(await choose(['any', 'all'], true)).toBe('binary');
    expect(await choose(['any', 'all'], false)).toBe('any');
    expect(await choose(['any'], true)).toBe('any');
    expect(await choose(['all'], true)).toBe('all');
    expect(await choose(['linux-any'], false)).toBe('any');
    expect(await choose(['amd64', 'all'], false, 'amd64')).toBe('any');
  });

  it('refuses builds with nothing to build', async () => {
    await expect(choose(['all'], false)).rejects.toThrow(
      'p_1.dsc builds only Architecture: all packages, and this build does not build arch:all; there is nothing to build on amd64',
    );
    await expect(choose(['kfreebsd-any', 'i386'], false)).rejects.toThrow(
      'p_1.dsc does not build on amd64 (Architecture: kfreebsd-any i386)',
    );
  });
});
