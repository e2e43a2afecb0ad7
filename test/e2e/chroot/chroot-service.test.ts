import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChroots, type Chroots } from '../../../src/chroot/chroots.js';
import { ResourceGroups } from '../../../src/chroot/resource-groups.js';
import { ChrootsRepository } from '../../../src/db/chroots-repository.js';
import { openDatabase, type Db } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { EventLog } from '../../../src/events/event-log.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { systemClock } from '../../../src/shared/clock.js';
import { ConflictError, NotFoundError, UnavailableError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { LiveLogHub } from '../../../src/builder/live-log.js';
import { LocalBuilder } from '../../../src/builder/local-builder.js';
import { PtyRunner } from '../../../src/exec/pty-runner.js';
import { fixtureSource, persistentTempDir, REPO_ROOT } from '../../fixtures/index.js';
import { buildRequest, TEST_LIMITS, testHost, testKey } from '../../fixtures/subsystems.js';

let home: string;
let db: Db;
let events: EventLog;

function chrootsWith(definitionsDir: string): Chroots {
  return createChroots({
    db,
    store: new ChrootsRepository(db),
    events,
    runner: new LocalRunner(),
    clock: systemClock,
    logger: silentLogger,
    host: testHost(),
    chrootsDir: path.join(home, 'chroots'),
    logsDir: path.join(home, 'logs'),
    definitionsDir,
  });
}

beforeAll(() => {
  home = persistentTempDir('debyard-chroots-');
  db = openDatabase(path.join(home, 'debyard.db'), { logger: silentLogger });
  events = new EventLog({
    store: new EventsRepository(db),
    clock: systemClock,
    logger: silentLogger,
  });
});
afterAll(() => db.close());

const chrootMessages = () =>
  events.list({ types: ['CHROOT'], afterId: 0, limit: 1000 }).map((event) => event.message);

describe('ChrootService with mmdebstrap', () => {
  it(
    'creates, updates under a running build, and removes a base chroot',
    async () => {
      const chroots = chrootsWith(path.join(REPO_ROOT, 'chroots'));
      const { service, paths } = chroots;
      await chroots.recover();
      const key = await testKey();
      const label = `${key.codename}/${key.architecture}`;

      const { chroot, done } = service.create(key);
      expect(chroot).toMatchObject({
        ...key,
        state: 'creating',
        generation: 0,
        progress: 'starting',
      });
      expect(() => service.create(key)).toThrow(ConflictError);
      expect(() => service.acquire(key)).toThrow(
        new UnavailableError(`chroot ${label} is still being created; try again when it is ready`),
      );
      const ready = await done;
      expect(ready, ready.lastError ?? '').toMatchObject({
        state: 'ready',
        generation: 1,
        progress: null,
        lastError: null,
      });
      expect(ready.sizeBytes).toBeGreaterThan(100 * 1024 * 1024);
      expect(ready.updatedAt).not.toBeNull();
      const tree1 = paths.generation(key, 1);
      expect(readFileSync(path.join(tree1, 'etc/passwd'), 'utf8')).toMatch(
        /^debyard:x:2000:2000:/m,
      );
      expect(existsSync(path.join(tree1, 'usr/sbin/policy-rc.d'))).toBe(true);
      expect(readFileSync(ready.logFile, 'utf8')).toMatch(/^I: success in/m);
      const created = chrootMessages();
      expect(created[0]).toBe(`creating chroot ${label}`);
      expect(created).toContain(`chroot ${label}: downloading packages with apt`);
      expect(created.at(-1)).toMatch(
        new RegExp(`^chroot ${label} is ready \\(generation 1, \\d+ MiB\\)$`),
      );
      expect(created.length).toBeLessThan(20); // phases, not lines

      // A real build on it, with lintian: the first one makes the lintian layer.
      const groups = new ResourceGroups({ key: paths.snapshots });
      const builder = new LocalBuilder({
        bases: service,
        runner: new LocalRunner(),
        pty: new PtyRunner(),
        logs: new LiveLogHub(),
        clock: systemClock,
        snapshotsDir: paths.snapshots,
        groups,
        limits: TEST_LIMITS,
      });
      const dsc = fixtureSource('hello-all');
      const built = await builder.build(buildRequest(dsc, key, { lintian: 'ignore' }));
      expect(built, readFileSync(built.logFile, 'utf8')).toMatchObject({
        status: 'successful',
        lintian: 'fail',
      });
      expect(existsSync(`${tree1}.lintian/usr/bin/lintian`)).toBe(true);
      expect(service.get(key).runningBuilds).toBe(0);
      await groups.close();

      // A build holds generation 1 while the base is updated into generation 2.
      const lease = service.acquire(key);
      expect(lease).toMatchObject({ generation: 1, tree: tree1 });
      const update = service.update(key);
      expect(update.chroot.state).toBe('updating');
      const during = service.acquire(key);
      expect(during.generation).toBe(1);
      during.release();
      const updated = await update.done;
      expect(updated, updated.lastError ?? '').toMatchObject({
        state: 'ready',
        generation: 2,
        runningBuilds: 1,
      });
      expect(existsSync(tree1)).toBe(true);
      expect(() => service.acquire({ ...key, architecture: 'no-such-arch' })).toThrow(
        NotFoundError,
      );
      const lease2 = service.acquire(key);
      expect(lease2.generation).toBe(2);
      lease.release();
      await expect.poll(() => existsSync(tree1), { timeout: 30_000 }).toBe(false);
      expect(existsSync(`${tree1}.lintian`)).toBe(false);

      await expect(service.remove(key)).rejects.toThrow(
        `chroot ${label} is used by 1 running build(s); wait for them or cancel them`,
      );
      lease2.release();
      await service.remove(key);
      expect(service.list()).toEqual([]);
      expect(existsSync(paths.baseDir(key))).toBe(false);
      expect(chrootMessages()).toEqual(
        expect.arrayContaining([
          `updating chroot ${label}`,
          `chroot ${label}: apt-get dist-upgrade`,
          `chroot ${label}: pruning the apt cache of the builds`,
          `removed chroot ${label}`,
        ]),
      );
    },
    15 * 60_000,
  );

  it(
    'leaves a chroot broken, with the reason, when mmdebstrap fails',
    async () => {
      const definitions = path.join(home, 'definitions');
      mkdirSync(path.join(definitions, 'setup'), { recursive: true });
      writeFileSync(
        path.join(definitions, 'setup', 'debyard-base.sh'),
        readFileSync(path.join(REPO_ROOT, 'chroots/setup/debyard-base.sh')),
      );
      writeFileSync(path.join(definitions, 'nosuchsuite.toml'), 'codename = "nosuchsuite"\n');
      const { service } = chrootsWith(definitions);
      const key = { codename: 'nosuchsuite', architecture: (await testKey()).architecture };
      const broken = await service.create(key).done;
      expect(broken.state).toBe('broken');
      expect(broken.lastError).toMatch(/^mmdebstrap for nosuchsuite\/\S+ exited with status \d+/);
      expect(chrootMessages().at(-1)).toMatch(
        /^creating chroot nosuchsuite\/\S+ failed: mmdebstrap for/,
      );
      expect(() => service.acquire(key)).toThrow(/is broken \(mmdebstrap for/);
      expect(() => service.update(key)).toThrow(
        'only a ready chroot can be updated (create it again)',
      );
      expect(() => service.create({ codename: 'hamm', architecture: key.architecture })).toThrow(
        `there is no chroot definition for codename "hamm" (known: nosuchsuite); add hamm.toml to ${definitions}`,
      );
      await service.remove(key);
    },
    5 * 60_000,
  );
});
