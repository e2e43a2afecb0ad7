import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { ArchivePart } from '../../../src/app/parts/archive-part.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import { defaultCodeversion } from '../../../src/archive/model/codeversion.js';
import { detectHostSystem } from '../../../src/config/host-system.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  buildSourcePackage,
  persistentTempDir,
  type SourcePackage,
  startTestDaemon,
} from '../../fixtures/index.js';
import { curlUpload, filesOf } from '../../fixtures/subsystems.js';

const host = detectHostSystem();
const tag = `~test${defaultCodeversion(host.codename) ?? 'SID'}`;
const distribution = `${host.codename}-test-unstable`;

let root: string;
let daemon: Daemon;
let incoming: IncomingPart;
let first: SourcePackage;
let archive: ArchivePart['service'];

/** The upload checks against the real archive: hello 1.0-1 installed from source. */
beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  archive = (daemon.parts.find((p) => p.name === 'archive') as ArchivePart).service;
  first = await build('1', 'first');
  await archive.archive.install({
    distribution,
    packages: [{ dsc: path.join(first.dir, first.dsc) }],
  });
});

afterAll(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

function build(
  revision: string,
  folder: string,
  options: { origFrom?: string; withoutOrig?: boolean; readme?: string } = {},
) {
  return buildSourcePackage(path.join(root, folder), {
    source: 'hello',
    revision: `${revision}${tag}+1`,
    distribution,
    ...options,
  });
}

async function upload(pkg: SourcePackage): Promise<UploadRecord> {
  await curlUpload(daemon.ftp.port, filesOf(pkg));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const record = incoming.uploads
      .list({ source: 'hello' })
      .find((u) => u.changesFile === pkg.changes);
    if (record) return record;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${pkg.changes} was not processed`);
}

describe('upload checks against the archive', () => {
  it('refuses a version the suite has, or that is not higher', async () => {
    const again = await build('1', 'again', {
      origFrom: path.join(first.dir, 'hello_1.0.orig.tar.gz'),
    });
    const record = await upload(again);
    expect(record.reasons).toEqual([
      `${again.changes}: version 1.0-1${tag}+1 is not higher than 1.0-1${tag}+1, the version of hello in ${distribution}`,
      `${again.changes}: hello 1.0-1${tag}+1 is already in repository test (in ${distribution}); a version is uploaded only once: raise it`,
    ]);
  });

  it('takes the original tarball from the pool, and refuses one that differs from it', async () => {
    const reuse = await build('2', 'reuse', {
      origFrom: path.join(first.dir, 'hello_1.0.orig.tar.gz'),
      withoutOrig: true,
    });
    const accepted = await upload(reuse);
    // Accepted, then moved on by the scheduler (which waits for a chroot here).
    expect(['ACCEPTED', 'PACKAGING']).toContain(accepted.state);
    expect(accepted.files.find((f) => f.name === 'hello_1.0.orig.tar.gz')).toMatchObject({
      inPool: true,
    });
    expect(readdirSync(path.join(daemon.layout.root, accepted.spoolPath))).not.toContain(
      'hello_1.0.orig.tar.gz',
    );

    const other = await build('3', 'other', { readme: 'another upstream tarball\n' });
    const rejected = await upload(other);
    expect(rejected.reasons).toEqual([
      'hello_1.0.orig.tar.gz: differs from the file of that name already in repository test: a file name stands for one content; leave it out to reuse the one there (dpkg-genchanges -sd), or give a new upstream tarball a new upstream version',
    ]);
  });

  it('leaves the archive as it was', () => {
    expect(archive.queries.show(['hello']).map((v) => `${v.distribution} ${v.version}`)).toEqual([
      `${distribution} 1.0-1${tag}+1`,
    ]);
  });
});
