import { describe, expect, it } from 'vitest';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import { buildableArchitectures } from '../../../src/scheduler/buildable.js';
import { BuilderSet } from '../../../src/scheduler/builder-set.js';
import { FakeBuilder } from '../../fixtures/subsystems.js';

describe('buildable architectures', () => {
  const dist = distributionSpec({ codename: 'trixie', architectures: ['amd64', 'arm64', 'i386'] });

  it('counts ready chroots of any builder, chroots of this host and chroots it could create', () => {
    const peer = new FakeBuilder('peer1', 1, [{ codename: 'trixie', architecture: 'arm64' }]);
    const rule = buildableArchitectures({
      builders: () => [peer],
      localChroots: () => [{ codename: 'trixie', architecture: 'i386' }],
      canCreate: (key) => key.architecture === 'amd64' && key.codename === 'trixie',
    });
    expect(rule.buildableArchitectures('trixie', dist)).toEqual(['amd64', 'arm64', 'i386']);
  });

  it('leaves out what no builder has and this host could not create', () => {
    const rule = buildableArchitectures({
      builders: () => [
        new FakeBuilder('local', 1, [{ codename: 'bookworm', architecture: 'arm64' }]),
      ],
      localChroots: () => [],
      canCreate: () => false,
    });
    expect(rule.buildableArchitectures('trixie', dist)).toEqual([]);
  });

  it('takes builders from every source once, by name', () => {
    const set = new BuilderSet();
    const a = new FakeBuilder('local', 1, []);
    set.add(() => [a]);
    set.add(() => [new FakeBuilder('peer1', 1, []), new FakeBuilder('local', 9, [])]);
    expect(set.all().map((b) => `${b.name} ${b.capacity()}`)).toEqual(['local 1', 'peer1 1']);
  });
});
