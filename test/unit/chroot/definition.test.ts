import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChrootCatalog } from '../../../src/chroot/chroot-catalog.js';
import { loadDefinitions } from '../../../src/chroot/definition.js';
import { mirrorFromIndexTargets } from '../../../src/chroot/host-info.js';
import { mmdebstrapArgs, mmdebstrapPhase } from '../../../src/chroot/mmdebstrap.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { REPO_ROOT, tempDir } from '../../fixtures/index.js';

const host = {
  codename: 'bookworm',
  architecture: 'amd64',
  mirror: 'http://mirror.example/debian/',
};

function definitionsDir(files: Record<string, string>): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'setup'));
  writeFileSync(path.join(dir, 'setup', 'debyard-base.sh'), '');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('chroot definitions', () => {
  it('loads the shipped definitions', () => {
    const definitions = loadDefinitions(path.join(REPO_ROOT, 'chroots'));
    expect([...definitions.keys()].sort()).toEqual(['bookworm', 'sid', 'trixie']);
    expect(definitions.get('bookworm')).toMatchObject({
      mirror: null,
      suites: ['bookworm', 'bookworm-updates'],
      components: ['main'],
      setupScripts: [path.join(REPO_ROOT, 'chroots', 'setup', 'debyard-base.sh')],
    });
  });

  it('resolves mirrors and the host default, and refuses what is not defined', () => {
    const dir = definitionsDir({
      'trixie.toml':
        'codename = "trixie"\nmirror = "http://other.example/debian"\narchitectures = ["arm64"]\n',
    });
    const catalog = new ChrootCatalog(loadDefinitions(dir), host, dir);
    expect(catalog.defaultKey).toEqual({ codename: 'bookworm', architecture: 'amd64' });
    expect(catalog.resolve({ codename: 'bookworm', architecture: 'i386' })).toMatchObject({
      mirror: host.mirror,
      definition: { file: null, suites: ['bookworm'] },
    });
    expect(catalog.resolve({ codename: 'trixie', architecture: 'arm64' }).mirror).toBe(
      'http://other.example/debian',
    );
    expect(() => catalog.resolve({ codename: 'trixie', architecture: 'amd64' })).toThrow(
      'chroot trixie is defined for arm64 only, not for amd64',
    );
    expect(() => catalog.resolve({ codename: 'potato', architecture: 'amd64' })).toThrow(
      `there is no chroot definition for codename "potato" (known: trixie); add potato.toml to ${dir}`,
    );
  });

  it('lists every problem of every file', () => {
    const dir = definitionsDir({
      'sid.toml': 'codename = "unstable"\n',
      'trixie.toml':
        'codename = "trixie"\nmirror = "ftp://x"\nextra_packages = ["Bad Name"]\ncolour = "red"\nsetup_scripts = ["missing.sh"]\n',
      'bad.toml': 'codename = \n',
    });
    const error = (() => {
      try {
        loadDefinitions(dir);
      } catch (e) {
        return e as InvalidInputError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(
      error!.fullMessage
        .split('\n')
        .slice(1)
        .map((l) => l.replace(dir + '/', '')),
    ).toEqual([
      expect.stringMatching(/^ {2}- bad\.toml: not valid TOML: /),
      '  - sid.toml: codename "unstable" must match the file name',
      '  - trixie.toml: mirror: must be an http://, https:// or file:// URL',
      '  - trixie.toml: extra_packages.0: not a package name',
      '  - trixie.toml: colour: unknown key',
    ]);
  });
});

describe('mmdebstrap', () => {
  it('makes a buildd base (the setup scripts run later, in a sandbox)', () => {
    const definitions = loadDefinitions(path.join(REPO_ROOT, 'chroots'));
    const args = mmdebstrapArgs({
      definition: definitions.get('trixie')!,
      architecture: 'arm64',
      mirror: host.mirror,
      target: '/srv/t',
    });
    expect(args).toEqual([
      '--variant=buildd',
      '--mode=root',
      '--format=directory',
      '--architectures=arm64',
      '--include=fakeroot',
      '--skip=cleanup/apt/lists,cleanup/apt/cache',
      '--dpkgopt=force-unsafe-io',
      'trixie',
      '/srv/t',
      'deb http://mirror.example/debian/ trixie main',
      'deb http://mirror.example/debian/ trixie-updates main',
    ]);
  });

  it('reads its progress lines', () => {
    expect(mmdebstrapPhase('I: downloading packages with apt...')).toBe(
      'downloading packages with apt',
    );
    expect(mmdebstrapPhase('I: success in 30.1 seconds')).toBeNull();
    expect(mmdebstrapPhase('Get:1 http://deb.debian.org/debian bookworm InRelease')).toBeNull();
  });
});

describe('the host mirror', () => {
  it('is the Debian source for the host codename', () => {
    const targets = [
      'https://deb.nodesource.com/node_20.x/\tNodeSource\tnodistro\tnodistro',
      'http://ftp.de.debian.org/debian/\tDebian\tbookworm-updates\tbookworm-updates',
      'http://ftp.de.debian.org/debian/\tDebian\tbookworm\tbookworm',
    ].join('\n');
    expect(mirrorFromIndexTargets(targets, 'bookworm')).toBe('http://ftp.de.debian.org/debian/');
    expect(mirrorFromIndexTargets(targets, 'trixie')).toBeNull();
  });
});
