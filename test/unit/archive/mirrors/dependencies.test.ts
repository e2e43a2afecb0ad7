import { describe, expect, it } from 'vitest';
import {
  withDependencies,
  type CandidatePackage,
} from '../../../../src/archive/mirrors/dependencies.js';

const make = (
  name: string,
  version: string,
  architecture: string,
  fields: Record<string, string> = {},
): CandidatePackage => ({
  package: name,
  version,
  architecture,
  get: (field) => fields[field],
});

const universe = [
  make('app', '1.0', 'amd64', { Depends: 'libfoo (>= 2), mail-transport-agent | postfix' }),
  make('libfoo', '1.5', 'amd64'),
  make('libfoo', '2.1', 'amd64', { 'Pre-Depends': 'libc6 (>= 2.30)' }),
  make('libc6', '2.36', 'amd64'),
  make('libc6', '2.36', 'arm64'),
  make('exim4', '4.96', 'amd64', { Provides: 'mail-transport-agent' }),
  make('postfix', '3.7', 'amd64'),
  make('tool', '1', 'all', { Depends: 'libc6', Recommends: 'helper' }),
  make('helper', '1', 'all'),
  make('armonly', '1', 'all', { Depends: 'libarm [arm64], libc6 [!arm64]' }),
  make('broken', '1', 'amd64', { Depends: 'nowhere (>= 1) | neither' }),
  make('versioned', '1', 'amd64', { Depends: 'virt (>= 2)' }),
  make('provider', '1', 'amd64', { Provides: 'virt (= 3)' }),
  make('plainprovider', '1', 'amd64', { Provides: 'virt' }),
];
const names = (set: Set<CandidatePackage>) =>
  [...set].map((p) => `${p.package}_${p.version}_${p.architecture}`).sort();
const pick = (name: string) => universe.filter((p) => p.package === name);

describe('following dependencies', () => {
  it('takes the highest satisfying version, transitively, and a provider for a virtual package', () => {
    const result = withDependencies(universe, pick('app'), { architectures: ['amd64'] });
    expect(names(result.packages)).toEqual([
      'app_1.0_amd64',
      'exim4_4.96_amd64',
      'libc6_2.36_amd64',
      'libfoo_2.1_amd64',
    ]);
    expect(result.unsatisfied).toEqual([]);
  });

  it('adds nothing for a clause something in the set satisfies already', () => {
    const result = withDependencies(universe, [...pick('app'), ...pick('postfix')], {
      architectures: ['amd64'],
    });
    expect(names(result.packages)).not.toContain('exim4_4.96_amd64');
  });

  it('follows arch:all packages on every architecture, Recommends only when asked', () => {
    const plain = withDependencies(universe, pick('tool'), { architectures: ['amd64', 'arm64'] });
    expect(names(plain.packages)).toEqual(['libc6_2.36_amd64', 'libc6_2.36_arm64', 'tool_1_all']);
    const rec = withDependencies(universe, pick('tool'), {
      architectures: ['amd64'],
      recommends: true,
    });
    expect(names(rec.packages)).toContain('helper_1_all');
  });

  it('keeps to architecture restrictions and names what nothing satisfies', () => {
    const result = withDependencies(universe, [...pick('armonly'), ...pick('broken')], {
      architectures: ['amd64'],
    });
    expect(names(result.packages)).toEqual(['armonly_1_all', 'broken_1_amd64', 'libc6_2.36_amd64']);
    expect(result.unsatisfied).toEqual(['broken: Depends nowhere (>= 1) | neither (on amd64)']);
  });

  it('satisfies a versioned relation only by a versioned Provides', () => {
    const result = withDependencies(universe, pick('versioned'), { architectures: ['amd64'] });
    expect(names(result.packages)).toEqual(['provider_1_amd64', 'versioned_1_amd64']);
  });
});
