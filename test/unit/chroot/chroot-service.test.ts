import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BaseOperations, Progress } from '../../../src/chroot/base-operations.js';
import { ChrootCatalog } from '../../../src/chroot/chroot-catalog.js';
import { ChrootPaths, type ChrootKey } from '../../../src/chroot/chroot-paths.js';
import { ChrootService } from '../../../src/chroot/chroot-service.js';
import { ChrootState } from '../../../src/chroot/chroot-state.js';
import { ChrootsRepository } from '../../../src/db/chroots-repository.js';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { EventLog } from '../../../src/events/event-log.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { ExternalCommandError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';

type Behaviour = 'succeed' | 'fail' | 'hang';

/** Stands in for mmdebstrap and apt: each operation succeeds, fails or hangs until aborted. */
class FakeOperations {
  behaviour: Behaviour = 'succeed';
  readonly calls: string[] = [];

  create(key: ChrootKey, generation: number, _r: unknown, progress: Progress, signal: AbortSignal) {
    this.calls.push(`create ${key.codename} ${generation}`);
    progress.phase('downloading packages with apt');
    return this.outcome(`/bases/${key.codename}/${generation}`, signal);
  }

  update(key: ChrootKey, from: number, to: number, progress: Progress, signal: AbortSignal) {
    this.calls.push(`update ${key.codename} ${from}->${to}`);
    progress.phase('apt-get dist-upgrade');
    return this.outcome(`/bases/${key.codename}/${to}`, signal);
  }

  size = async () => 300 * 1048576;
  remove = async () => {};
  removeGeneration = async (tree: string) => void this.calls.push(tree);

  private outcome(tree: string, signal: AbortSignal): Promise<string> {
    if (this.behaviour === 'succeed') return Promise.resolve(tree);
    if (this.behaviour === 'fail') {
      const error = new ExternalCommandError('mmdebstrap exited with status 1', {
        command: 'mmdebstrap',
        args: [],
        exitCode: 1,
        signal: null,
      });
      return Promise.reject(error);
    }
    return new Promise((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason)),
    );
  }
}

function setup() {
  const home = tempDir();
  const db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const events = new EventLog({ store: new EventsRepository(db), clock, logger: silentLogger });
  const operations = new FakeOperations();
  const host = {
    codename: 'bookworm',
    architecture: 'amd64',
    mirror: 'http://deb.example/debian/',
  };
  const service = new ChrootService({
    state: new ChrootState({ db, store: new ChrootsRepository(db), events, clock }),
    operations: operations as unknown as BaseOperations,
    catalog: new ChrootCatalog(new Map(), host, home),
    paths: new ChrootPaths(path.join(home, 'chroots'), path.join(home, 'logs')),
    logger: silentLogger,
  });
  const messages = () => events.list({ types: ['CHROOT'], afterId: 0 }).map((e) => e.message);
  return { service, operations, clock, messages };
}

const bookworm = { codename: 'bookworm', architecture: 'amd64' };
const i386 = { codename: 'bookworm', architecture: 'i386' };

describe('ChrootService', () => {
  it('makes sure the default chroot exists, creating a broken one again', async () => {
    const { service, operations } = setup();
    operations.behaviour = 'fail';
    expect((await service.ensure(bookworm))?.state).toBe('broken');
    expect(service.get(bookworm).lastError).toBe('mmdebstrap exited with status 1');
    operations.behaviour = 'succeed';
    expect(await service.ensure(bookworm)).toMatchObject({ state: 'ready', generation: 1 });
    expect(service.ensure(bookworm)).toBeNull();
    expect(operations.calls).toEqual(['create bookworm 1', 'create bookworm 1']);
  });

  it('updates on schedule only the ready chroots older than the interval', async () => {
    const { service, operations, clock, messages } = setup();
    await service.create(bookworm).done;
    clock.advance(20 * 3_600_000);
    await service.create(i386).done;
    clock.advance(5 * 3_600_000);
    await service.updateDue(24 * 3_600_000);
    expect(operations.calls).toEqual([
      'create bookworm 1',
      'create bookworm 1',
      'update bookworm 1->2',
      // No build holds generation 1: it goes at once.
      expect.stringMatching(/\/chroots\/bases\/bookworm-amd64\/1$/),
    ]);
    expect(service.get(bookworm)).toMatchObject({
      generation: 2,
      updatedAt: clock.now().toISOString(),
    });
    expect(service.get(i386).generation).toBe(1);
    expect(messages()).toContain('chroot bookworm/amd64: apt-get dist-upgrade');
  });

  it('keeps the previous base ready when an update fails', async () => {
    const { service, operations, messages } = setup();
    await service.create(bookworm).done;
    operations.behaviour = 'fail';
    const failed = await service.update(bookworm).done;
    expect(failed).toMatchObject({
      state: 'ready',
      generation: 1,
      lastError: 'mmdebstrap exited with status 1',
    });
    expect(messages().at(-1)).toBe(
      'updating chroot bookworm/amd64 failed: mmdebstrap exited with status 1',
    );
    expect(service.acquire(bookworm).generation).toBe(1);
  });

  it('refuses a second operation while one runs, and aborts running ones on stop', async () => {
    const { service, operations } = setup();
    operations.behaviour = 'hang';
    const { done } = service.create(bookworm);
    expect(() => service.create(bookworm)).toThrow(
      'chroot bookworm/amd64 is being created; wait until it is done',
    );
    await expect(service.remove(bookworm)).rejects.toThrow('is being created');
    await service.stop();
    expect(await done).toMatchObject({ state: 'broken', lastError: 'daemon stopping' });
  });
});
