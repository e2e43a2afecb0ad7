import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBuildType } from '../../../src/builder/build-type.js';
import { readDsc } from '../../../src/builder/control-files.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { fixtureSource } from '../../fixtures/index.js';

describe('reading the .dsc', () => {
  it('reads what the builder needs from a .dsc made by dpkg-source', () => {
    const dsc = fixtureSource('hello-any');
    expect(readDsc(readFileSync(dsc, 'utf8'), path.basename(dsc))).toEqual({
      source: 'debyard-hello-any',
      version: '1.0',
      upstreamVersion: '1.0',
      architectures: ['any'],
      files: [{ name: 'debyard-hello-any_1.0.tar.xz' }],
    });
  });

  it('lists the problems of a broken .dsc', () => {
    const error = (() => {
      try {
        readDsc('Format: 3.0 (native)\nSource: x\nVersion: 1.0\n', 'x_1.0.dsc');
      } catch (e) {
        return e as InvalidInputError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error!.message).toBe('x_1.0.dsc is not a valid source package description');
    expect(error!.problems).toContainEqual({
      where: 'x_1.0.dsc',
      message: 'missing required field Maintainer',
    });
  });
});

describe('choosing -b, -B or -A', () => {
  const runner = new LocalRunner();
  const dsc = (architectures: string[]) => ({
    source: 'p',
    version: '1',
    upstreamVersion: '1',
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
