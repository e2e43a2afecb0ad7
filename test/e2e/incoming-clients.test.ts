import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import type { ArchiveConfigPart } from '../../src/app/parts/archive-config-part.js';
import { distributionSpec } from '../../src/archive/model/repository.js';
import type { UploadRecord } from '../../src/scheduler/upload-records.js';
import type { StoredEvent } from '../../src/events/event.js';
import {
  buildSourcePackage,
  createSigner,
  dputNg,
  persistentTempDir,
  signUpload,
  type SourcePackage,
  startTestDaemon,
  type TestSigner,
} from '../fixtures/index.js';
import { curlUpload, filesOf } from '../fixtures/subsystems.js';

const run = promisify(execFile);

let root: string;
let daemon: Daemon;
let incoming: IncomingPart;
let signer: TestSigner;
let dputCf: string;
let runDputNg: Awaited<ReturnType<typeof dputNg>>;
let codename: string;

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  const config = (daemon.parts.find((p) => p.name === 'archive-config') as ArchiveConfigPart)
    .config;
  const test = config.repository('test');
  codename = test.distributions[0]!.codename;
  config.createRepository({
    id: 'team',
    description: 'signed uploads only',
    layout: 'default',
    allowUnsigned: false,
    distributions: [
      distributionSpec({ codename, architectures: test.distributions[0]!.architectures }),
    ],
  });
  signer = createSigner('Uploader <uploader@example.org>');
  runDputNg = await dputNg();
  await incoming.uploaderKeys.add({ key: signer.publicKey, repositories: ['team'] });
  const response = await fetch(`${daemon.url}/api/v1/dput_conf`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(dputCf, await response.text());
});

afterAll(async () => {
  await daemon?.stop();
  signer?.dispose();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
async function pkg(options: { repo: 'test' | 'team'; signed: boolean }): Promise<SourcePackage> {
  counter++;
  const codeversion = { bookworm: '12', trixie: '13' }[codename] ?? 'SID';
  const built = await buildSourcePackage(path.join(root, `pkg${counter}`), {
    source: `client${counter}`,
    revision: `1~${options.repo}${codeversion}+1`,
    distribution: `${codename}-${options.repo}-unstable`,
  });
  if (options.signed) await signUpload(built, signer);
  return built;
}

function clientEnv(): NodeJS.ProcessEnv {
  return { ...process.env, HOME: root, USER: 'tester', GNUPGHOME: signer.home };
}

/** The record of a processed .changes, waiting for its ACCEPTED/REJECTED event. */
async function outcome(changes: string): Promise<UploadRecord> {
  const deadline = Date.now() + 20_000;
  const matches = (e: StoredEvent) => e.details.changes === changes;
  while (Date.now() < deadline) {
    const event = daemon.events.list({ types: ['ACCEPTED', 'REJECTED'] }).find(matches);
    // The incoming's verdict: the scheduler moves accepted uploads on (to PACKAGING here).
    if (event) return { ...incoming.uploads.get(event.uploadId!), state: event.type };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${changes} was not processed`);
}

describe('uploads with real clients and the dput.cf from GET /api/v1/dput_conf', () => {
  it('serves stanzas dput and dput-ng understand', async () => {
    const text = await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text();
    expect(text).toBe(
      [
        '[debyard-testyard]',
        'method = ftp',
        `fqdn = 127.0.0.1:${daemon.ftp.port}`,
        'login = anonymous',
        'incoming = /incoming',
        'passive_ftp = 1',
        'allow_unsigned_uploads = 0',
        '',
        '[debyard-testyard-test]',
        'method = ftp',
        `fqdn = 127.0.0.1:${daemon.ftp.port}`,
        'login = anonymous',
        'incoming = /incoming',
        'passive_ftp = 1',
        'allow_unsigned_uploads = 1',
        'allowed_distributions = ^[a-z][a-z0-9]*-test-[a-z]+$',
        '',
      ].join('\n'),
    );
    const json = await fetch(`${daemon.url}/api/v1/dput_conf`, {
      headers: { accept: 'application/json' },
    });
    expect(await json.json()).toEqual({ dputConf: text, host: '127.0.0.1', port: daemon.ftp.port });
  });

  it("Debian's dput uploads unsigned to test and signed to a signed-only repository", async () => {
    const unsigned = await pkg({ repo: 'test', signed: false });
    const signed = await pkg({ repo: 'team', signed: true });
    await run('dput', ['-c', dputCf, 'debyard-testyard-test', unsigned.changes], {
      cwd: unsigned.dir,
      env: clientEnv(),
    });
    await run('dput', ['-c', dputCf, 'debyard-testyard', signed.changes], {
      cwd: signed.dir,
      env: clientEnv(),
    });
    expect(await outcome(unsigned.changes)).toMatchObject({
      state: 'ACCEPTED',
      repository: 'test',
      signer: null,
    });
    const record = await outcome(signed.changes);
    expect(record).toMatchObject({
      state: 'ACCEPTED',
      repository: 'team',
      signer: signer.fingerprint,
    });
    expect(readdirSync(path.join(daemon.layout.root, record.spoolPath)).sort()).toEqual(
      [...signed.files].sort(),
    );
  });

  it('dput-ng uploads unsigned and signed', async () => {
    const unsigned = await pkg({ repo: 'test', signed: false });
    const signed = await pkg({ repo: 'team', signed: true });
    await runDputNg(['-c', dputCf, 'debyard-testyard-test', unsigned.changes], {
      cwd: unsigned.dir,
      env: clientEnv(),
    });
    await runDputNg(['-c', dputCf, 'debyard-testyard', signed.changes], {
      cwd: signed.dir,
      env: clientEnv(),
    });
    expect(await outcome(unsigned.changes)).toMatchObject({ state: 'ACCEPTED', signer: null });
    expect(await outcome(signed.changes)).toMatchObject({
      state: 'ACCEPTED',
      signer: signer.fingerprint,
    });
  });

  it('curl -T uploads, the .changes first', async () => {
    const unsigned = await pkg({ repo: 'test', signed: false });
    const files = filesOf(unsigned);
    await curlUpload(daemon.ftp.port, [files.at(-1)!, ...files.slice(0, -1)]);
    expect(await outcome(unsigned.changes)).toMatchObject({
      state: 'ACCEPTED',
      source: unsigned.source,
    });
  });

  it('dput leaves a file that is there already (553) and the upload completes with it', async () => {
    const unsigned = await pkg({ repo: 'test', signed: false });
    const orig = filesOf(unsigned).find((f) => f.includes('.orig.'))!;
    await curlUpload(daemon.ftp.port, [orig]);
    const { stdout } = await run(
      'dput',
      ['-c', dputCf, 'debyard-testyard-test', unsigned.changes],
      {
        cwd: unsigned.dir,
        env: clientEnv(),
      },
    );
    expect(stdout).toContain(
      `Leaving existing ${path.basename(orig)} on the server and continuing`,
    );
    expect(await outcome(unsigned.changes)).toMatchObject({ state: 'ACCEPTED' });
  });
});
