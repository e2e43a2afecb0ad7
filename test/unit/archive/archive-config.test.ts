import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveConfig } from '../../../src/archive/archive-config.js';
import { DEFAULT_LAYOUT } from '../../../src/archive/model/layout.js';
import { distributionSpec, type RepositorySpec } from '../../../src/archive/model/repository.js';
import { ArchiveConfigRepository } from '../../../src/db/archive-config-repository.js';
import { openDatabase } from '../../../src/db/database.js';
import { ManualClock } from '../../../src/shared/clock.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
} from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

function config() {
  const db = openDatabase(path.join(tempDir(), 'c.db'), { logger: silentLogger });
  const service = new ArchiveConfig({
    store: new ArchiveConfigRepository(db),
    clock: new ManualClock(),
  });
  service.installBuiltinLayouts();
  return service;
}

const repo = (over: Partial<RepositorySpec> = {}): RepositorySpec => ({
  id: 'test',
  description: 'Test',
  layout: 'default',
  allowUnsigned: true,
  private: false,
  distributions: [distributionSpec({ codename: 'bookworm', architectures: ['amd64'] })],
  ...over,
});

describe('ArchiveConfig', () => {
  it('creates, reads, updates and deletes repositories, telling listeners', () => {
    const c = config();
    const changes: string[] = [];
    c.onChange((what) => changes.push(`${what.kind}:${what.id}`));
    expect(c.createRepository(repo())).toEqual(repo());
    expect(() => c.createRepository(repo())).toThrow(ConflictError);
    const updated = c.updateRepository(
      repo({
        distributions: [distributionSpec({ codename: 'trixie', architectures: ['amd64', 'i386'] })],
      }),
    );
    expect(updated.distributions.map((d) => d.codename)).toEqual(['trixie']);
    expect(c.repositories().map((r) => r.id)).toEqual(['test']);
    c.deleteRepository('test');
    expect(() => c.repository('test')).toThrow(NotFoundError);
    expect(changes).toEqual(['repository:test', 'repository:test', 'repository:test']);
  });

  it('refuses an invalid repository with every problem listed', () => {
    const c = config();
    try {
      c.createRepository(repo({ id: 'BAD', layout: 'nope' }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).problems.map((p) => p.where)).toEqual(['id', 'layout']);
    }
    expect(c.repositories()).toEqual([]);
  });

  it('resolves distribution names and explains unknown ones', () => {
    const c = config();
    c.createRepository(repo());
    const resolved = c.resolve('bookworm-test-unstable-rollback2');
    expect(resolved).toMatchObject({
      rollback: 2,
      suite: { name: 'unstable' },
      distribution: { codename: 'bookworm', codeversion: '12' },
    });
    expect(() => c.resolve('bookworm')).toThrow(/is not a distribution name/);
    expect(() => c.resolve('bookworm-nope-unstable')).toThrow(
      'unknown distribution bookworm-nope-unstable: there is no repository "nope" (known: test)',
    );
    expect(() => c.resolve('trixie-test-unstable')).toThrow(
      'repository test has no codename trixie (it has bookworm)',
    );
    expect(() => c.resolve('bookworm-test-sid')).toThrow(
      'layout default has no suite sid (it has experimental, unstable, testing, hotfix, stable)',
    );
    expect(() => c.resolve('bookworm-test-testing-rollback3')).toThrow(
      'suite testing keeps 3 rollbacks (rollback0 to rollback2)',
    );
  });

  it('keeps the built-in layout read-only and validates custom ones', () => {
    const c = config();
    expect(() => c.saveLayout(DEFAULT_LAYOUT)).toThrow(PermissionError);
    expect(() => c.deleteLayout('default')).toThrow(PermissionError);
    const simple = { name: 'simple', suites: [{ ...DEFAULT_LAYOUT.suites[1]!, migratesTo: null }] };
    c.saveLayout(simple);
    expect(c.layout('simple')).toEqual(simple);
    expect(() => c.saveLayout({ name: 'broken', suites: [] })).toThrow(InvalidInputError);
    c.createRepository(repo({ layout: 'simple' }));
    expect(() => c.deleteLayout('simple')).toThrow(
      'layout simple is used by repository test; change those first',
    );
  });
});
