import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { GitSourcesRepository } from '../../../src/db/git-sources-repository.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

function repo() {
  const db = openDatabase(path.join(tempDir(), 'g.db'), { logger: silentLogger });
  return new GitSourcesRepository(db);
}

const source = {
  url: '/srv/git/hello.git',
  tags: 'debian/*',
  branches: [],
  distribution: null,
  upstreamTag: 'upstream/%(version)s',
  origUrlPrefixes: [],
  signingKey: null,
  secret: 'x'.repeat(24),
  deployKey: null,
  pollMinutes: 0,
  createdAt: '2026-12-01T00:00:00.000Z',
  createdBy: 'admin',
  status: null,
};

describe('GitSourcesRepository', () => {
  it('round-trips the layout, upstream tag pattern, orig URL prefixes and signing key', () => {
    const store = repo();
    store.add({ ...source, name: 'native', layout: 'native' });
    store.add({
      ...source,
      name: 'pt',
      layout: 'pristine-tar',
      upstreamTag: 'v%(version)s',
      signingKey: 'A'.repeat(40),
    });
    store.add({ ...source, name: 'tag', layout: 'upstream-tag' });
    const prefixes = ['https://download.example.org/hello/', 'http://127.0.0.1:8/x/'];
    store.add({ ...source, name: 'watch', layout: 'watch', origUrlPrefixes: prefixes });
    expect(
      store.list().map((s) => [s.name, s.layout, s.upstreamTag, s.signingKey, s.origUrlPrefixes]),
    ).toEqual([
      ['native', 'native', 'upstream/%(version)s', null, []],
      ['pt', 'pristine-tar', 'v%(version)s', 'A'.repeat(40), []],
      ['tag', 'upstream-tag', 'upstream/%(version)s', null, []],
      ['watch', 'watch', 'upstream/%(version)s', null, prefixes],
    ]);
  });

  it('prunes webhook deliveries received before a date; a pruned id is taken again', () => {
    const store = repo();
    const { id } = store.add({ ...source, name: 'hello', layout: 'native' });
    expect(store.takeDelivery(id, 'old', new Date('2026-01-01T00:00:00Z'))).toBe(true);
    expect(store.takeDelivery(id, 'new', new Date('2026-12-01T00:00:00Z'))).toBe(true);
    expect(store.takeDelivery(id, 'old', new Date('2026-12-02T00:00:00Z'))).toBe(false);
    expect(store.pruneDeliveries(new Date('2026-09-01T00:00:00Z'))).toBe(1);
    expect(store.takeDelivery(id, 'new', new Date('2026-12-02T00:00:00Z'))).toBe(false);
    expect(store.takeDelivery(id, 'old', new Date('2026-12-02T00:00:00Z'))).toBe(true);
  });
});
