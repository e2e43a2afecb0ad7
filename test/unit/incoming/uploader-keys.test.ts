import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { UploaderKeysRepository } from '../../../src/db/uploader-keys-repository.js';
import { UploaderKeys } from '../../../src/incoming/uploader-keys.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';
import { makeKey } from '../../fixtures/subsystems.js';

function service() {
  const db = openDatabase(path.join(tempDir(), 'db.sqlite'), { logger: silentLogger });
  db.prepare("INSERT INTO layouts (name, suites) VALUES ('default', '[]')").run();
  for (const id of ['test', 'main']) {
    db.prepare(
      "INSERT INTO repositories (id, layout, created_at, updated_at) VALUES (?, 'default', 'now', 'now')",
    ).run(id);
  }
  return new UploaderKeys({
    store: new UploaderKeysRepository(db),
    clock: new ManualClock('2026-02-01T00:00:00Z'),
    hasRepository: (id) => ['test', 'main'].includes(id),
  });
}

describe('UploaderKeys', () => {
  it('stores keys with the repositories they may upload to, and verifies with them', async () => {
    const keys = service();
    const jane = await makeKey('Jane');
    const [added] = await keys.add({
      key: jane.publicArmored,
      repositories: ['test', 'main', 'test'],
    });
    expect(added).toMatchObject({
      fingerprint: jane.fingerprint,
      userIds: ['Jane <jane@example.org>'],
      repositories: ['main', 'test'],
      ownerId: null,
      addedAt: '2026-02-01T00:00:00.000Z',
    });
    expect(keys.repositoriesOf(jane.fingerprint)).toEqual(['main', 'test']);
    expect((await keys.keyring()).lookup(jane.fingerprint)?.key.userId).toBe(
      'Jane <jane@example.org>',
    );
    keys.setRepositories(jane.fingerprint, ['test']);
    expect(keys.repositoriesOf(jane.fingerprint)).toEqual(['test']);
    const joe = await makeKey('Joe');
    await keys.add({ key: joe.publicArmored, repositories: ['main'], comment: 'CI key' });
    expect((await keys.keyring()).size).toBe(2);
    keys.remove(jane.fingerprint);
    expect(keys.list().map((k) => k.fingerprint)).toEqual([joe.fingerprint]);
    expect((await keys.keyring()).lookup(jane.fingerprint)).toBeUndefined();
  });

  it('explains bad input', async () => {
    const keys = service();
    const jane = await makeKey('Jane');
    await expect(keys.add({ key: jane.publicArmored, repositories: [] })).rejects.toThrow(
      'name at least one repository the key may upload to',
    );
    await expect(keys.add({ key: jane.publicArmored, repositories: ['nosuch'] })).rejects.toThrow(
      'there is no repository "nosuch"',
    );
    await expect(keys.add({ key: 'not a key', repositories: ['test'] })).rejects.toThrow(
      /^not an OpenPGP public key/,
    );
    expect(() => keys.remove('0123456789ABCDEF0123456789ABCDEF01234567')).toThrow(
      'there is no uploader key 0123456789ABCDEF0123456789ABCDEF01234567',
    );
  });

  it('keeps repositories and owner when a key is added again; permits and forbids', async () => {
    const keys = service();
    const jane = await makeKey('Jane');
    const [added] = await keys.add({ key: jane.publicArmored });
    expect(added).toMatchObject({ repositories: [], ownerId: null });
    expect(keys.permit(jane.fingerprint, ['test', 'main']).repositories).toEqual(['main', 'test']);
    const [again] = await keys.add({ key: jane.publicArmored, comment: 'new copy' });
    expect(again).toMatchObject({ repositories: ['main', 'test'], comment: 'new copy' });
    expect(keys.forbid(jane.fingerprint, ['main']).repositories).toEqual(['test']);
    expect(() => keys.forbid(jane.fingerprint, ['main'])).toThrow(
      `key ${jane.fingerprint} may not upload to main anyway (it may upload to test)`,
    );
    expect(() => keys.permit(jane.fingerprint, ['nosuch'])).toThrow(
      'there is no repository "nosuch"',
    );
    expect(await keys.fingerprintsOf(jane.publicArmored)).toEqual([jane.fingerprint]);
  });
});
