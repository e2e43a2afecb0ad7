import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createChroots } from '../../../src/chroot/chroots.js';
import { hostId } from '../../../src/chroot/id-map.js';
import { ChrootsRepository } from '../../../src/db/chroots-repository.js';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { EventLog } from '../../../src/events/event-log.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { REPO_ROOT, tempDir } from '../../fixtures/index.js';
import { mountsBelow, testHost } from '../../fixtures/subsystems.js';

describe('chroot recovery at daemon start', () => {
  it('removes mounts, snapshots and stray trees, and settles interrupted operations', async () => {
    const home = tempDir();
    const db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
    const clock = new ManualClock();
    const events = new EventLog({ store: new EventsRepository(db), clock, logger: silentLogger });
    const store = new ChrootsRepository(db);
    const chroots = createChroots({
      db,
      store,
      events,
      runner: new LocalRunner(),
      clock,
      logger: silentLogger,
      host: testHost(),
      chrootsDir: path.join(home, 'chroots'),
      logsDir: path.join(home, 'logs'),
      definitionsDir: path.join(REPO_ROOT, 'chroots'),
    });
    const { paths } = chroots;
    const at = clock.now();
    const creating = store.insert({ codename: 'trixie', architecture: 'amd64', createdAt: at });
    const updating = store.update(
      store.insert({ codename: 'bookworm', architecture: 'amd64', createdAt: at }).id,
      {
        state: 'updating',
        generation: 3,
      },
    );
    const missing = store.update(
      store.insert({ codename: 'bookworm', architecture: 'i386', createdAt: at }).id,
      {
        state: 'ready',
        generation: 1,
      },
    );
    const entries = [
      '3/etc',
      '3.lintian/usr',
      '3.lintian.partial-12-abcd/upper',
      '2/etc',
      '2.lintian/usr',
      '4.partial/etc',
    ];
    for (const dir of entries)
      mkdirSync(path.join(paths.baseDir(updating), dir), { recursive: true });
    // Generation 3 was made by this daemon: its tree belongs to the sandbox ids.
    chownSync(path.join(paths.baseDir(updating), '3'), hostId(0), hostId(0));
    // An older daemon's base, made as host root: given to the sandbox ids, its layer goes.
    const older = store.update(
      store.insert({ codename: 'bookworm', architecture: 'arm64', createdAt: at }).id,
      { state: 'ready', generation: 1 },
    );
    mkdirSync(path.join(paths.generation(older, 1), 'etc'), { recursive: true });
    writeFileSync(
      path.join(paths.generation(older, 1), 'etc', 'passwd'),
      'root:x:0:0::/root:/bin/sh\n',
    );
    mkdirSync(path.join(paths.baseDir(older), '1.lintian', 'usr'), { recursive: true });
    mkdirSync(path.join(paths.bases, 'sid-arm64', '1'), { recursive: true });
    const mountPoint = path.join(paths.snapshot('17-abcdef12'), 'snapshot', 'root');
    mkdirSync(mountPoint, { recursive: true });
    execFileSync('mount', ['--bind', tempDir(), mountPoint]);
    expect(mountsBelow(paths.chrootsDir)).toEqual([mountPoint]);

    await chroots.recover();

    expect(mountsBelow(paths.chrootsDir)).toEqual([]);
    expect(readdirSync(paths.snapshots)).toEqual([]);
    expect(readdirSync(paths.baseDir(updating)).sort()).toEqual(['3', '3.lintian']);
    expect(existsSync(path.join(paths.bases, 'sid-arm64'))).toBe(false);
    expect(readdirSync(paths.baseDir(older))).toEqual(['1']);
    for (const file of ['', 'etc', 'etc/passwd']) {
      const stat = lstatSync(path.join(paths.generation(older, 1), file));
      expect([stat.uid, stat.gid]).toEqual([hostId(0), hostId(0)]);
    }
    expect(store.get(creating.id)).toMatchObject({
      state: 'broken',
      progress: null,
      lastError: 'creation was interrupted by a daemon stop; create it again',
    });
    expect(store.get(updating.id)).toMatchObject({ state: 'ready', generation: 3 });
    expect(store.get(missing.id)).toMatchObject({ state: 'broken' });
    expect(store.get(missing.id).lastError).toMatch(
      /its base tree .*bookworm-i386\/1 is missing; create it again$/,
    );
    expect(
      events
        .list({ types: ['CHROOT'] })
        .map((e) => e.message)
        .sort(),
    ).toEqual([
      'chroot bookworm/i386 is broken: its base tree is missing',
      'creating chroot trixie/amd64 was interrupted',
      'updating chroot bookworm/amd64 was interrupted; it keeps its previous base',
    ]);
    db.close();
  });
});
