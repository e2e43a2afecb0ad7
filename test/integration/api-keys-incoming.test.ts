import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import {
  adminToken,
  api,
  buildSourcePackage,
  createSigner,
  persistentTempDir,
  signUpload,
  type SourcePackage,
  startTestDaemon,
  type TestSigner,
  userWithToken,
} from '../fixtures/index.js';
import { curlUpload, filesOf, makeKey, outcome } from '../fixtures/subsystems.js';

const run = promisify(execFile);

// One daemon for the file (~1 s), one gpg key (~1 s); the uploads are small source packages.
let daemon: Daemon;
let root: string;
let admin: string;
let lou: string;
let kim: string;
let staff: string;
let signer: TestSigner;
const { codename, architecture } = detectHostSystem();
const codeversion = { bookworm: '12', trixie: '13', forky: '14' }[codename] ?? 'SID';

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  admin = await adminToken(daemon);
  lou = (await userWithToken(daemon, admin, 'lou', 'login')).token;
  kim = (await userWithToken(daemon, admin, 'kim', 'login')).token;
  staff = (await userWithToken(daemon, admin, 'sam', 'staff')).token;
  signer = createSigner('Lou Packager <lou@example.org>');
});
afterAll(async () => {
  await daemon?.stop();
  signer?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const post = (name: string, input: Record<string, unknown>, token: string | null) =>
  api(daemon.url, name, { method: 'POST', input, token: token ?? undefined });
const get = (name: string, input: Record<string, unknown>, token: string | null) =>
  api(daemon.url, name, { input, token: token ?? undefined });
const incoming = () => daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;

async function expectProblem(
  answer: Promise<{ status: number; body: { detail: string } }>,
  status: number,
  detail: string,
) {
  const { status: got, body } = await answer;
  expect({ status: got, detail: body.detail }).toEqual({ status, detail });
}

let counter = 0;
async function upload(repo: string, signed: boolean): Promise<SourcePackage> {
  counter++;
  const pkg = await buildSourcePackage(path.join(root, `pkg${counter}`), {
    source: `live${counter}`,
    revision: `1~${repo}${codeversion}+1`,
    distribution: `${codename}-${repo}-unstable`,
  });
  if (signed) await signUpload(pkg, signer);
  await curlUpload(daemon.ftp.port, filesOf(pkg));
  return pkg;
}

describe('uploader keys', () => {
  it('lets a user add, list and remove their own keys; merges a key added again', async () => {
    const key = await makeKey('Lou');
    const added = await post('key_add', { key: key.publicArmored, comment: 'laptop' }, lou);
    expect(added.status).toBe(200);
    expect(added.body).toEqual([
      {
        fingerprint: key.fingerprint,
        userIds: ['Lou <lou@example.org>'],
        owner: 'lou',
        comment: 'laptop',
        repositories: [],
        binaryRepositories: [],
        addedAt: expect.any(String),
      },
    ]);
    expect(
      (await get('keys', {}, lou)).body.map((k: { fingerprint: string }) => k.fingerprint),
    ).toEqual([key.fingerprint]);
    expect((await get('keys', {}, kim)).body).toEqual([]);
    const again = await post('key_add', { key: key.publicArmored }, lou);
    expect(again.body[0]).toMatchObject({ fingerprint: key.fingerprint, comment: 'laptop' });
    await expectProblem(
      post('key_add', { key: key.publicArmored }, kim),
      409,
      `key ${key.fingerprint} is registered already, by another user; ask an admin if it is yours`,
    );
    await expectProblem(
      post('key_remove', { fingerprint: key.fingerprint }, kim),
      404,
      `you have no uploader key ${key.fingerprint}; see debyard keys`,
    );
    const spaced = key.fingerprint.toLowerCase().replace(/(.{4})/g, '$1 ');
    expect((await post('key_remove', { fingerprint: spaced }, lou)).body).toEqual({
      removed: key.fingerprint,
    });
    expect((await get('keys', {}, lou)).body).toEqual([]);
  });

  it('names bad input (400) and wants a login (401)', async () => {
    await expectProblem(
      post('key_add', { key: '' }, lou),
      400,
      'invalid input for key_add: key: must not be empty',
    );
    await expectProblem(
      post('key_add', { key: 'ssh-ed25519 AAAA lou@laptop' }, lou),
      400,
      'not an OpenPGP public key: expected a "-----BEGIN PGP PUBLIC KEY BLOCK-----" … "-----END PGP PUBLIC KEY BLOCK-----" block or binary key data',
    );
    const secret = (await makeKey('Careless')).privateKey.armor();
    await expectProblem(
      post('key_add', { key: secret }, lou),
      400,
      'this is a secret key block; give the public key only (gpg --export --armor KEYID)',
    );
    await expectProblem(
      post('key_remove', { fingerprint: '0123' }, lou),
      400,
      'invalid input for key_remove: fingerprint: must be the 40 (or 64) hex digit fingerprint of the primary key, as gpg --fingerprint shows it',
    );
    await expectProblem(
      get('keys', { x: 1 }, lou),
      400,
      'invalid input for keys: x: unknown parameter',
    );
    for (const [name, method] of [
      ['keys', 'GET'],
      ['key_add', 'POST'],
      ['key_remove', 'POST'],
    ] as const) {
      const answer = await api(daemon.url, name, { method, input: {} });
      expect([answer.status, answer.body.detail]).toEqual([
        401,
        `${name} needs a logged-in user with role login; pass a token`,
      ]);
    }
  });

  it('lets admins list every key and grant or withdraw repositories (403 for others)', async () => {
    const key = await makeKey('Kim');
    await post('key_add', { key: key.publicArmored }, kim);
    const fp = key.fingerprint;
    const permitted = await post('key_permit', { fingerprint: fp, repositories: 'test' }, admin);
    expect(permitted.body).toMatchObject({ fingerprint: fp, owner: 'kim', repositories: ['test'] });
    const listed = await get('key_permissions', { repo: 'test' }, admin);
    expect(listed.body.map((k: { fingerprint: string }) => k.fingerprint)).toEqual([fp]);
    expect((await get('keys', {}, kim)).body[0].repositories).toEqual(['test']);
    const forbidden = await post('key_forbid', { fingerprint: fp, repositories: ['test'] }, admin);
    expect(forbidden.body.repositories).toEqual([]);
    await expectProblem(
      post('key_forbid', { fingerprint: fp, repositories: ['test'] }, admin),
      404,
      `key ${fp} may not upload to test anyway (it may upload to none)`,
    );
    await expectProblem(
      post('key_permit', { fingerprint: fp, repositories: 'nosuch' }, admin),
      404,
      'there is no repository "nosuch"',
    );
    await expectProblem(
      post('key_permit', { fingerprint: fp, repositories: '' }, admin),
      400,
      'invalid input for key_permit: repositories: name at least one repository',
    );
    await expectProblem(
      post('key_permit', { fingerprint: '0'.repeat(40), repositories: 'test' }, admin),
      404,
      `there is no uploader key ${'0'.repeat(40)}`,
    );
    for (const [name, input, method] of [
      ['key_permissions', {}, 'GET'],
      ['key_permit', { fingerprint: fp, repositories: 'test' }, 'POST'],
      ['key_forbid', { fingerprint: fp, repositories: 'test' }, 'POST'],
    ] as const) {
      const anonymous = await api(daemon.url, name, { method, input });
      expect([anonymous.status, anonymous.body.detail]).toEqual([
        401,
        `${name} needs a logged-in user with role admin; pass a token`,
      ]);
      const denied = await api(daemon.url, name, { method, input, token: staff });
      expect([denied.status, denied.body.detail]).toEqual([
        403,
        `${name} needs role admin; user sam has role staff`,
      ]);
    }
    // Admins may remove anyone's key.
    expect((await post('key_remove', { fingerprint: fp }, admin)).status).toBe(200);
  });
});

describe('configuration changes take effect without a restart', () => {
  it('a key added through the API uploads once an admin permits it; unsigned uploads follow allow_unsigned', async () => {
    await post('repository_add', { id: 'team', codename, architectures: architecture }, admin);
    await post('key_add', { key: signer.publicKey }, lou);
    const before = await upload('team', true);
    const refused = await outcome(daemon.events, incoming(), before.changes);
    expect(refused.state).toBe('REJECTED');
    expect(refused.reasons).toContain(
      `${path.basename(before.changes)}: signed by key ${signer.fingerprint} (Lou Packager <lou@example.org>), which may not upload to repository team (it may upload to no repository)`,
    );
    await post('key_permit', { fingerprint: signer.fingerprint, repositories: 'team' }, admin);
    const after = await upload('team', true);
    expect(await outcome(daemon.events, incoming(), after.changes)).toMatchObject({
      state: 'ACCEPTED',
      repository: 'team',
      signer: signer.fingerprint,
    });

    await post('repository_update', { id: 'team', allow_unsigned: true }, admin);
    const unsigned = await upload('team', false);
    expect(await outcome(daemon.events, incoming(), unsigned.changes)).toMatchObject({
      state: 'ACCEPTED',
      signer: null,
    });
    await post('repository_update', { id: 'team', allow_unsigned: false }, admin);
    const closed = await upload('team', false);
    const rejected = await outcome(daemon.events, incoming(), closed.changes);
    expect(rejected.reasons).toContain(
      `${path.basename(closed.changes)}: not signed, and repository team takes signed uploads only: sign it with debsign`,
    );
  });
});

describe('incoming_pause and incoming_resume', () => {
  it('refuse FTP uploads with 450 while paused, show it in status, and last across restarts', async () => {
    const paused = await post('incoming_pause', { reason: 'disk swap' }, admin);
    expect(paused.body).toEqual({
      paused: true,
      since: expect.any(String),
      by: 'admin',
      reason: 'disk swap',
    });
    expect((await get('status', {}, null)).body.incoming).toEqual(paused.body);
    const pkg = await buildSourcePackage(path.join(root, 'paused'), {
      source: 'paused',
      revision: `1~test${codeversion}+1`,
      distribution: `${codename}-test-unstable`,
    });
    const refused = await curlUpload(daemon.ftp.port, filesOf(pkg)).catch((e: Error) => e);
    expect(String(refused)).toContain('curl: (25) Failed FTP upload: 450');
    const { stderr } = await run('curl', [
      '-sS',
      '-v',
      '-T',
      filesOf(pkg)[0]!,
      `ftp://127.0.0.1:${daemon.ftp.port}/incoming/`,
    ]).catch((e: { stderr: string }) => e);
    expect(stderr).toContain(
      `< 450 Uploads are paused on this debyard since ${paused.body.since} (disk swap); try again later`,
    );
    const events = daemon.events.list({ types: ['INCOMING'], limit: 1 });
    expect(events[0]!.message).toBe('incoming paused by admin: disk swap; FTP uploads are refused');

    // The pause is kept in the database: a restarted daemon is still paused.
    await daemon.stop();
    daemon = await startTestDaemon(path.join(root, 'home'));
    expect((await get('status', {}, null)).body.incoming).toMatchObject({
      paused: true,
      reason: 'disk swap',
    });
    const resumed = await post('incoming_resume', {}, admin);
    expect(resumed.body).toEqual({ paused: false, since: null, by: null, reason: null });
    await curlUpload(daemon.ftp.port, filesOf(pkg));
    expect(await outcome(daemon.events, incoming(), pkg.changes)).toMatchObject({
      state: 'ACCEPTED',
    });
  });

  it('names bad input (400), wants a token (401) and the admin role (403)', async () => {
    await expectProblem(
      post('incoming_pause', { reason: 'x'.repeat(201) }, admin),
      400,
      'invalid input for incoming_pause: reason: at most 200 characters',
    );
    await expectProblem(
      post('incoming_resume', { now: true }, admin),
      400,
      'invalid input for incoming_resume: now: unknown parameter',
    );
    for (const name of ['incoming_pause', 'incoming_resume']) {
      await expectProblem(
        post(name, {}, null),
        401,
        `${name} needs a logged-in user with role admin; pass a token`,
      );
      await expectProblem(
        post(name, {}, staff),
        403,
        `${name} needs role admin; user sam has role staff`,
      );
    }
    expect((await get('status', {}, null)).body.incoming.paused).toBe(false);
  });
});
