import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { ArchiveConfigPart } from '../../../src/app/parts/archive-config-part.js';
import type { IncomingPart } from '../../../src/app/parts/incoming-part.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import {
  adminToken,
  api,
  aptFor,
  type BinaryUpload,
  buildBinaryUpload,
  codeversionOf,
  createSigner,
  persistentTempDir,
  signUpload,
  startTestDaemon,
  type TestSigner,
} from '../../fixtures/index.js';
import { cli } from '../../fixtures/subsystems.js';

const run = promisify(execFile);

/**
 * A packager's binary-only upload (dpkg-genchanges -b, debsign) with Debian's dput over
 * FTP to a daemon: refused while the key may upload only sources, installed without a
 * build once an admin gives it the binary right (debyard key-permit --binary), and real
 * apt-get installs the package from the daemon's signed repository. No chroot: nothing
 * is built. About 15 s.
 */
let root: string;
let daemon: Daemon;
let incoming: IncomingPart;
let signer: TestSigner;
let token: string;
let pkg: BinaryUpload;
let dputCf: string;
let distribution: string;

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  const config = (daemon.parts.find((p) => p.name === 'archive-config') as ArchiveConfigPart)
    .config;
  const codename = config.repository('test').distributions[0]!.codename;
  distribution = `${codename}-test-unstable`;
  token = await adminToken(daemon);
  signer = createSigner('Packager <packager@example.org>');
  const added = await api(daemon.url, 'key_add', {
    method: 'POST',
    token,
    input: { key: signer.publicKey },
  });
  expect(added.status).toBe(200);
  const permitted = await api(daemon.url, 'key_permit', {
    method: 'POST',
    token,
    input: { fingerprint: signer.fingerprint, repositories: ['test'] },
  });
  expect(permitted.body.binaryRepositories).toEqual([]);
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(dputCf, await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text());
  pkg = await buildBinaryUpload(path.join(root, 'pkg'), {
    source: 'binup-hello',
    version: `1.0-1~test${codeversionOf(codename)}+1`,
    distribution,
    files: { 'usr/bin/binup-hello': '#!/bin/sh\necho built elsewhere\n' },
  });
  await signUpload(pkg, signer);
});

afterAll(async () => {
  await daemon?.stop();
  signer?.dispose();
  rmSync(root, { recursive: true, force: true });
});

async function dput(): Promise<void> {
  // -f: the same upload again (dput keeps a log of what it uploaded).
  await run('dput', ['-U', '-f', '-c', dputCf, 'debyard-testyard', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root, GNUPGHOME: signer.home },
  });
}

async function latestIn(states: string[]): Promise<UploadRecord> {
  await expect
    .poll(() => incoming.uploads.latestOfChanges(pkg.changes)?.state, {
      timeout: 60_000,
      interval: 100,
    })
    .toBeOneOf(states);
  return incoming.uploads.latestOfChanges(pkg.changes)!;
}

/** The files of the package in the test repository's pool. */
function inPool(): string[] {
  const repo = path.join(daemon.layout.repos, 'test');
  if (!existsSync(path.join(repo, 'pool'))) return [];
  return (readdirSync(path.join(repo, 'pool'), { recursive: true }) as string[])
    .filter((f) => f.includes('binup-hello_'))
    .map((f) => `pool/${f}`);
}

describe('a signed binary upload through FTP', () => {
  it('is refused while the key may not upload binary packages; the archive stays as it was', async () => {
    await dput();
    const upload = await latestIn(['REJECTED', 'ACCEPTED', 'INSTALLED']);
    const reason = `${pkg.changes}: holds binary packages, but key ${signer.fingerprint} (Packager <packager@example.org>) may not upload binary packages to repository test (an admin allows it: debyard key-permit ${signer.fingerprint} test --binary)`;
    expect(upload.reasons).toEqual([reason]);
    expect(upload.state).toBe('REJECTED');
    const rejected = daemon.events.list({ types: ['REJECTED'], uploadId: upload.id });
    expect(rejected.map((e) => e.details.reasons)).toEqual([[reason]]);
    expect(inPool()).toEqual([]);
    expect(
      daemon.events.list({ types: ['INSTALLED'] }).filter((e) => e.source === pkg.source),
    ).toEqual([]);
  });

  it('is installed without a build once the key has the binary right, and apt installs it', async () => {
    const permit = await cli(
      ['key-permit', signer.fingerprint, 'test', '--binary', '--server', daemon.url],
      { env: { DEBYARD_TOKEN: token } },
    );
    expect(permit.err).toBe('');
    expect(permit.out).toContain('uploads to test+binary');
    await dput();
    const upload = await latestIn(['INSTALLED', 'FAILED', 'REJECTED']);
    expect(upload.reasons).toEqual([]);
    expect(upload.state).toBe('INSTALLED');
    const types = daemon.events
      .list({ uploadId: upload.id, limit: 100 })
      .map((e) => e.type)
      .reverse();
    expect(types).toEqual(['ACCEPTED', 'INSTALLED']);
    expect(daemon.events.list({ types: ['BUILDING'] })).toEqual([]);
    // Cleaned up like a built upload: its spool folder is gone.
    await expect
      .poll(() => existsSync(path.join(daemon.layout.root, upload.spoolPath)))
      .toBe(false);

    expect(inPool()).toEqual([`pool/main/b/binup-hello/${pkg.deb}`]);
    const apt = await aptFor(daemon, path.join(root, 'apt'), 'amd64', [
      { repo: 'test', suite: 'unstable' },
    ]);
    await expect
      .poll(
        async () => {
          const update = await apt.aptGet(['update']);
          expect(update.problems).toEqual([]);
          return (await apt.aptCache(['policy', 'binup-hello'])).output;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toContain(`Candidate: ${pkg.version}`);
    const install = await apt.aptGet(['install', 'binup-hello']);
    expect(install.code, install.output).toBe(0);
    expect(readFileSync(path.join(apt.root, 'usr/bin/binup-hello'), 'utf8')).toBe(
      '#!/bin/sh\necho built elsewhere\n',
    );
  });
});
