import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveConfig } from '../../../src/archive/archive-config.js';
import { ArchiveConfigRepository } from '../../../src/db/archive-config-repository.js';
import { ArchivePackagesRepository } from '../../../src/db/archive-packages-repository.js';
import { openDatabase } from '../../../src/db/database.js';
import { systemClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { tempDir } from '../../fixtures/index.js';
import { testRepository } from '../../fixtures/subsystems.js';

function open() {
  const file = path.join(tempDir(), 'd.db');
  const db = openDatabase(file, { logger: silentLogger });
  const config = new ArchiveConfig({ store: new ArchiveConfigRepository(db), clock: systemClock });
  config.installBuiltinLayouts();
  config.createRepository({ ...testRepository(), id: 'r' });
  const packages = new ArchivePackagesRepository(db);
  const now = new Date('2026-12-07T00:00:00Z');
  const sourceId = packages.insertSource(
    {
      repository: 'r',
      name: 'hello',
      version: '1.0',
      component: 'main',
      stanza: null,
      digest: null,
    },
    now,
  );
  const fileId = (name: string) =>
    packages.insertPoolFile(
      {
        repository: 'r',
        path: `pool/main/h/hello/${name}`,
        size: 1,
        md5: 'm',
        sha1: 's',
        sha256: name,
        sha512: 'x',
      },
      now,
    );
  const row = (pkg: string, fileName: string) => ({
    sourceId,
    package: pkg,
    version: '1.0',
    architecture: 'amd64',
    fileId: fileId(fileName),
  });
  const staged = () =>
    db.prepare('SELECT count(*) FROM temp.archive_staged_texts').pluck().get() as number;
  return { db, file, packages, sourceId, row, staged };
}

const texts = (name: string) => ({
  stanza: `Package: ${name}\n`,
  digest: `d-${name}`,
  contents: `usr/bin/${name}\tutils/${name}\n`,
  contentsDigest: `c-${name}`,
});

describe('staged index texts', () => {
  it('stores a staged binary with the texts of its row, and forgets a stage on release', () => {
    const { packages, sourceId, row, staged } = open();
    const [a, b] = packages.stageTexts(1, [texts('a'), texts('b')]);
    const [other] = packages.stageTexts(2, [texts('c')]);
    packages.insertBinary({ ...row('b', 'b.deb'), staged: b! });
    packages.insertBinary({ ...row('a', 'a.deb'), staged: a! });
    expect(packages.binaries(sourceId)).toEqual([
      expect.objectContaining({ package: 'a', ...texts('a') }),
      expect.objectContaining({ package: 'b', ...texts('b') }),
    ]);
    packages.releaseStage(1);
    expect(staged()).toBe(1);
    packages.insertBinary({ ...row('c', 'c.deb'), staged: other! });
    expect(packages.binaries(sourceId).map((x) => x.stanza)).toContain('Package: c\n');
    packages.releaseStage(2);
    expect(staged()).toBe(0);
  });

  it('refuses a binary whose staged texts are gone, inserting nothing', () => {
    const { packages, sourceId, row } = open();
    const [a] = packages.stageTexts(1, [texts('a')]);
    packages.releaseStage(1);
    expect(() => packages.insertBinary({ ...row('a', 'a.deb'), staged: a! })).toThrow(
      `the staged index texts ${a} of a are gone`,
    );
    expect(packages.binaries(sourceId)).toEqual([]);
  });

  it('keeps the texts out of the database file: a new connection has no staged table', () => {
    const { db, file, packages } = open();
    packages.stageTexts(1, [texts('a')]);
    const again = openDatabase(file, { logger: silentLogger });
    expect(() => again.prepare('SELECT 1 FROM temp.archive_staged_texts')).toThrow(/no such table/);
    again.close();
    db.close();
  });
});
