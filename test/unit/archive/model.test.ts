import { describe, expect, it } from 'vitest';
import {
  formatDistributionName,
  parseDistributionName,
} from '../../../src/archive/model/distribution-name.js';
import {
  DEFAULT_LAYOUT,
  layoutProblems,
  migrationChain,
  type Layout,
} from '../../../src/archive/model/layout.js';
import {
  distributionNameStrings,
  distributionSpec,
  repositoryProblems,
  type RepositorySpec,
} from '../../../src/archive/model/repository.js';
import {
  exampleVersion,
  versionPolicyProblems,
} from '../../../src/archive/model/version-policy.js';
import { codenameFromOsRelease } from '../../../src/config/host-system.js';

const suite = (name: string) => DEFAULT_LAYOUT.suites.find((s) => s.name === name)!;

describe('distribution names', () => {
  it('parse and format, rollbacks included', () => {
    expect(parseDistributionName('bookworm-test-unstable')).toEqual({
      codename: 'bookworm',
      repository: 'test',
      suite: 'unstable',
      rollback: null,
    });
    expect(parseDistributionName('trixie-ops2-stable-rollback5')).toEqual({
      codename: 'trixie',
      repository: 'ops2',
      suite: 'stable',
      rollback: 5,
    });
    for (const bad of [
      'bookworm-test',
      'Bookworm-test-unstable',
      'bookworm-te_st-unstable',
      'bookworm-test-unstable-rollback',
      '',
    ]) {
      expect(parseDistributionName(bad)).toBeNull();
    }
    expect(
      formatDistributionName({ codename: 'sid', repository: 'x', suite: 'hotfix', rollback: 0 }),
    ).toBe('sid-x-hotfix-rollback0');
  });
});

describe('layouts', () => {
  it('the default layout is mini-buildd’s', () => {
    expect(layoutProblems(DEFAULT_LAYOUT)).toEqual([]);
    expect(
      DEFAULT_LAYOUT.suites.map((s) => [s.name, s.uploadable, s.migratesTo, s.rollbacks]),
    ).toEqual([
      ['experimental', true, null, 6],
      ['unstable', true, 'testing', 9],
      ['testing', false, 'stable', 3],
      ['hotfix', true, 'stable', 4],
      ['stable', false, null, 6],
    ]);
    expect(suite('experimental')).toMatchObject({ experimental: true, notAutomatic: true });
    expect(migrationChain(DEFAULT_LAYOUT, 'unstable')).toEqual(['testing', 'stable']);
    expect(migrationChain(DEFAULT_LAYOUT, 'stable')).toEqual([]);
  });

  it('lists every problem of a bad layout', () => {
    const bad: Layout = {
      name: 'Bad Layout',
      suites: [
        { ...suite('unstable'), uploadable: false, migratesTo: 'testing' },
        { ...suite('testing'), migratesTo: 'unstable' },
        { ...suite('stable'), name: 'stable', migratesTo: 'nowhere', rollbacks: -1 },
        { ...suite('stable'), name: 'stable', butAutomaticUpgrades: true },
      ],
    };
    const messages = layoutProblems(bad).map((p) => `${p.where}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'name: "Bad Layout" must be lower-case letters, digits and dashes',
        'suites[2] (stable): rollbacks must be an integer from 0 to 50',
        'suites[3] (stable): this suite name is used twice',
        'suites[3] (stable): ButAutomaticUpgrades needs NotAutomatic',
        'suite unstable: its migrations go round in a circle',
        'suite stable: migrates to unknown suite "nowhere"',
        'suites: no suite is uploadable, so nothing could ever enter the repository',
      ]),
    );
  });
});

describe('version policy', () => {
  it('wants ~<repo><codeversion>+<n>, n ≥ 1, and +0 in experimental', () => {
    expect(versionPolicyProblems('1.0-1~test12+1', 'test', '12', suite('unstable'))).toEqual([]);
    expect(versionPolicyProblems('2:1.0~rc1-3~test12+14', 'test', '12', suite('hotfix'))).toEqual(
      [],
    );
    expect(versionPolicyProblems('1.0-1~test12+0', 'test', '12', suite('experimental'))).toEqual(
      [],
    );
    expect(versionPolicyProblems('1.0-1', 'test', '12', suite('unstable'))[0]!.message).toBe(
      '1.0-1 does not end in ~test12+<n> as uploads to unstable must (e.g. 1.0-1~test12+1)',
    );
    expect(
      versionPolicyProblems('1.0-1~test12+0', 'test', '12', suite('unstable'))[0]!.message,
    ).toMatch(/with n ≥ 1/);
    expect(
      versionPolicyProblems('1.0-1~test12+2', 'test', '12', suite('experimental'))[0]!.message,
    ).toMatch(/experimental suite experimental end in ~test12\+0/);
    expect(versionPolicyProblems('1.0-1~test11+1', 'test', '12', suite('unstable'))).toHaveLength(
      1,
    );
    expect(versionPolicyProblems('1.0-1~test12+1a', 'test', '12', suite('unstable'))).toHaveLength(
      1,
    );
    expect(exampleVersion('ops', 'SID', suite('experimental'))).toBe('1.0-1~opsSID+0');
  });
});

describe('repositories', () => {
  const good: RepositorySpec = {
    id: 'test',
    description: '',
    layout: 'default',
    allowUnsigned: true,
    distributions: [distributionSpec({ codename: 'bookworm', architectures: ['amd64', 'arm64'] })],
  };

  it('fills defaults from the codename', () => {
    expect(good.distributions[0]).toEqual({
      codename: 'bookworm',
      codeversion: '12',
      architectures: ['amd64', 'arm64'],
      archAllArchitecture: 'amd64',
      mandatoryArchitectures: ['amd64', 'arm64'],
      components: ['main'],
      buildLimits: {},
      testModes: {},
    });
    expect(repositoryProblems(good, [DEFAULT_LAYOUT])).toEqual([]);
  });

  it('names every distribution, rollbacks included', () => {
    const names = distributionNameStrings(good, DEFAULT_LAYOUT);
    expect(names).toHaveLength(5 + 6 + 9 + 3 + 4 + 6);
    expect(names).toContain('bookworm-test-unstable-rollback8');
    expect(names).not.toContain('bookworm-test-unstable-rollback9');
  });

  it('lists every problem of a bad repository', () => {
    const bad: RepositorySpec = {
      id: 'Test!',
      description: '',
      layout: 'nope',
      allowUnsigned: false,
      distributions: [
        {
          ...distributionSpec({ codename: 'frobnitz', architectures: ['amd64', 'amd64'] }),
          archAllArchitecture: 'i386',
          mandatoryArchitectures: ['s390x'],
        },
        distributionSpec({ codename: 'bookworm', architectures: [], components: [] }),
      ],
    };
    const messages = repositoryProblems(bad, [DEFAULT_LAYOUT]).map(
      (p) => `${p.where}: ${p.message}`,
    );
    expect(messages).toEqual([
      'id: "Test!" must be lower-case letters and digits only',
      'layout: unknown layout "nope" (known: default)',
      'distributions[0] (frobnitz): codeversion "" must be 1-8 letters or digits (e.g. 12 for bookworm); give it for codenames debyard does not know',
      'distributions[0] (frobnitz): an architecture is listed twice',
      'distributions[0] (frobnitz): the arch:all architecture "i386" is not one of its architectures',
      'distributions[0] (frobnitz): mandatory architecture "s390x" is not one of its architectures',
      'distributions[1] (bookworm): at least one architecture is needed',
      'distributions[1] (bookworm): the arch:all architecture "" is not one of its architectures',
      'distributions[1] (bookworm): at least one component is needed',
    ]);
  });
});

describe('host system', () => {
  it('reads the codename from os-release', () => {
    expect(codenameFromOsRelease('NAME="Debian GNU/Linux"\nVERSION_CODENAME=bookworm\n')).toBe(
      'bookworm',
    );
    expect(codenameFromOsRelease('PRETTY_NAME="Debian GNU/Linux trixie/sid"\n')).toBe('sid');
  });
});
