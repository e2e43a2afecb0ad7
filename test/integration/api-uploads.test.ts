import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import type { UploadRecord } from '../../src/scheduler/upload-records.js';
import type { ArchivePart } from '../../src/app/parts/archive-part.js';
import type { IncomingPart } from '../../src/app/parts/incoming-part.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { signUpload as signInternalUpload } from '../../src/own-uploads/internal-upload.js';
import {
  adminToken,
  api,
  buildSourcePackage,
  codeversionOf,
  createSigner,
  persistentTempDir,
  signUpload,
  startTestDaemon,
  type TestSigner,
  userWithToken,
} from '../fixtures/index.js';
import { cli, curlUpload, filesOf, outcome } from '../fixtures/subsystems.js';

// The uploads call and its CLI command over real uploads (curl over FTP, one signed with
// gpg): filters by state, source, repository and uploader, paging. One daemon, ~15 s.
let daemon: Daemon;
let root: string;
let signer: TestSigner;
const { codename, architecture } = detectHostSystem();
const codeversion = codeversionOf(codename);
/** The uploads by source name: alpha (test, unsigned), beta (team, unsigned: rejected),
 * gamma (team, signed), delta (test, unsigned, a bad version: rejected). */
const made: Record<string, UploadRecord> = {};

beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
  const admin = await adminToken(daemon);
  const lou = (await userWithToken(daemon, admin, 'lou', 'login')).token;
  signer = createSigner('Lou Packager <lou@example.org>');
  const post = (name: string, input: Record<string, unknown>, token = admin) =>
    api(daemon.url, name, { method: 'POST', input, token });
  expect(
    (await post('repository_add', { id: 'team', codename, architectures: architecture })).status,
  ).toBe(200);
  expect((await post('key_add', { key: signer.publicKey }, lou)).status).toBe(200);
  expect(
    (await post('key_permit', { fingerprint: signer.fingerprint, repositories: 'team' })).status,
  ).toBe(200);
  const incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
  for (const [source, repo, signed, revision] of [
    ['alpha', 'test', false, `1~test${codeversion}+1`],
    ['beta', 'team', false, `1~team${codeversion}+1`],
    ['gamma', 'team', true, `1~team${codeversion}+1`],
    ['delta', 'test', false, '1'],
  ] as const) {
    const pkg = await buildSourcePackage(path.join(root, source), {
      source,
      revision,
      distribution: `${codename}-${repo}-unstable`,
    });
    if (signed) await signUpload(pkg, signer);
    await curlUpload(daemon.ftp.port, filesOf(pkg));
    made[source] = await outcome(daemon.events, incoming, pkg.changes);
  }
});
afterAll(async () => {
  await daemon?.stop();
  signer?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const uploads = (input: Record<string, unknown> = {}) => api(daemon.url, 'uploads', { input });
const sources = (answer: { body: { source: string }[] }) => answer.body.map((u) => u.source);

describe('the uploads call', () => {
  it('lists every upload newest first, with its uploader, files and reasons, for anyone', async () => {
    expect(made.alpha!.state).toBe('ACCEPTED');
    expect(made.beta!.state).toBe('REJECTED');
    expect(made.gamma!.state).toBe('ACCEPTED');
    expect(made.delta!.state).toBe('REJECTED');
    const all = await uploads();
    expect(all.status).toBe(200);
    expect(sources(all)).toEqual(['delta', 'gamma', 'beta', 'alpha']);
    const gamma = all.body.find((u: { source: string }) => u.source === 'gamma');
    expect(gamma).toMatchObject({
      id: made.gamma!.id,
      source: 'gamma',
      version: `1.0-1~team${codeversion}+1`,
      distribution: `${codename}-team-unstable`,
      repository: 'team',
      uploader: signer.fingerprint,
      requestedBy: null,
      changesFile: `gamma_1.0-1~team${codeversion}+1_source.changes`,
      reasons: [],
    });
    expect(gamma.files.map((f: { name: string }) => f.name).sort()).toEqual(
      [
        `gamma_1.0-1~team${codeversion}+1.debian.tar.gz`,
        `gamma_1.0-1~team${codeversion}+1.dsc`,
        'gamma_1.0.orig.tar.gz',
      ].sort(),
    );
    expect(gamma).not.toHaveProperty('spoolPath');
    const beta = all.body.find((u: { source: string }) => u.source === 'beta');
    expect(beta.uploader).toBeNull();
    expect(beta.reasons.join(' ')).toContain(
      'not signed, and repository team takes signed uploads only',
    );
  });

  it('filters by state, source, repository and uploader', async () => {
    expect(sources(await uploads({ state: 'rejected' }))).toEqual(['delta', 'beta']);
    expect(sources(await uploads({ state: 'REJECTED' }))).toEqual(['delta', 'beta']);
    const alphaState = (await uploads({ source: 'alpha' })).body[0].state.toLowerCase();
    expect(sources(await uploads({ state: ['rejected', alphaState] }))).toContain('alpha');
    expect(sources(await uploads({ state: 'installed' }))).toEqual([]);
    expect(sources(await uploads({ source: 'beta' }))).toEqual(['beta']);
    expect(sources(await uploads({ repository: 'team' }))).toEqual(['gamma', 'beta']);
    expect(sources(await uploads({ repository: 'test', state: 'rejected' }))).toEqual(['delta']);
    expect(sources(await uploads({ uploader: 'anonymous' }))).toEqual(['delta', 'beta', 'alpha']);
    expect(sources(await uploads({ uploader: signer.fingerprint }))).toEqual(['gamma']);
    expect(sources(await uploads({ uploader: signer.fingerprint.toLowerCase() }))).toEqual([
      'gamma',
    ]);
    expect(sources(await uploads({ uploader: signer.fingerprint.slice(-16) }))).toEqual(['gamma']);
    expect(sources(await uploads({ uploader: 'anonymous', repository: 'team' }))).toEqual(['beta']);
  });

  it('pages like events: limit, then before the last id shown, or after an id', async () => {
    const first = await uploads({ limit: 2 });
    expect(sources(first)).toEqual(['delta', 'gamma']);
    const next = await uploads({ limit: 2, before: first.body[1].id });
    expect(sources(next)).toEqual(['beta', 'alpha']);
    expect(sources(await uploads({ limit: 2, before: next.body[1].id }))).toEqual([]);
    expect(sources(await uploads({ after: made.beta!.id }))).toEqual(['gamma', 'delta']);
  });

  it('names bad filters (400)', async () => {
    const bad = await uploads({ state: 'lost', uploader: 'bob', limit: 0, repository: 'Team' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe(
      'invalid input for uploads: state.0: must be one of accepted, rejected, retried, packaging, building, built, installed, failed; repository: must be a repository id, like test; uploader: must be "anonymous" (unsigned uploads) or a key fingerprint (40 hex digits) or long key id (16); limit: must be at least 1',
    );
  });

  it('shows one upload with its events and builds; 404 for none', async () => {
    const beta = await api(daemon.url, 'upload', { input: { upload: made.beta!.id } });
    expect(beta.status).toBe(200);
    expect(beta.body.upload).toMatchObject({ id: made.beta!.id, state: 'REJECTED' });
    expect(beta.body.builds).toEqual([]);
    expect(beta.body.installed).toEqual([]);
    expect(beta.body.events.map((e: { type: string }) => e.type)).toEqual(['REJECTED']);
    const alpha = await api(daemon.url, 'upload', { input: { upload: made.alpha!.id } });
    expect(alpha.body.events[0].type).toBe('ACCEPTED');
    const none = await api(daemon.url, 'upload', { input: { upload: 9999 } });
    expect([none.status, none.body.detail]).toEqual([404, 'there is no upload 9999']);
  });
});

describe('debyard uploads and debyard upload', () => {
  const run = (args: string[]) => cli([...args, '--server', daemon.url]);

  it('print a table, JSON, or one upload; filters are flags', async () => {
    const table = await run(['uploads', '--state', 'rejected', '--repository', 'team']);
    expect(table.err).toBe('');
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+STATE\s+SOURCE\s+VERSION\s+DISTRIBUTION\s+UPLOADER\s+RECEIVED\s+INFO$/,
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\s*${made.beta!.id}\\s+REJECTED\\s+beta\\s+\\S+\\s+${codename}-team-unstable\\s+anonymous\\s+`,
      ),
    );
    const json = await run(['uploads', '--uploader', signer.fingerprint, '--json']);
    expect(JSON.parse(json.out).map((u: { source: string }) => u.source)).toEqual(['gamma']);
    const keyId = await run(['uploads', '--uploader', signer.fingerprint.slice(-16)]);
    expect(keyId.out).toContain(`gamma`);
    expect(keyId.out).toContain(signer.fingerprint.slice(-16));
    const none = await run(['uploads', '--source', 'nosuch']);
    expect([none.code, none.out]).toEqual([0, 'no uploads\n']);

    const one = await run(['upload', String(made.delta!.id)]);
    expect(one.code).toBe(0);
    expect(one.out).toContain(
      `upload ${made.delta!.id}: delta 1.0-1 for ${codename}-test-unstable: REJECTED`,
    );
    expect(one.out).toMatch(/ {2}reason: .*1\.0-1/);

    const bad = await run(['uploads', '--uploader', 'bob']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      'invalid arguments for uploads\n  - uploader: must be "anonymous" (unsigned uploads) or a key fingerprint (40 hex digits) or long key id (16)\n',
    );
    const missing = await run(['upload', '9999']);
    expect([missing.code, missing.err]).toEqual([1, 'debyard: there is no upload 9999\n']);
  });
});

describe('an upload the daemon made (signed with its key)', () => {
  it('shows whom it is for: API, CLI and its page', async () => {
    const pkg = await buildSourcePackage(path.join(root, 'made'), {
      source: 'epsilon',
      revision: `1~team${codeversion}+1`,
      distribution: `${codename}-team-unstable`,
    });
    const archive = daemon.parts.find((p) => p.name === 'archive') as ArchivePart;
    await signInternalUpload(
      { ...pkg, source: pkg.source, version: pkg.version, dispose: async () => {} },
      archive.signer(),
      { kind: 'user', name: 'stella', role: 'staff' },
    );
    await curlUpload(daemon.ftp.port, filesOf(pkg));
    const incoming = daemon.parts.find((p) => p.name === 'incoming') as IncomingPart;
    const record = await outcome(daemon.events, incoming, pkg.changes);
    expect(record.state).toBe('ACCEPTED');
    const shown = await api(daemon.url, 'upload', { input: { upload: record.id } });
    expect(shown.body.upload).toMatchObject({
      uploader: archive.signer().key.fingerprint,
      requestedBy: 'user stella (staff)',
    });
    const text = await cli(['upload', String(record.id), '--server', daemon.url]);
    expect(text.out).toContain(
      `signed by ${archive.signer().key.fingerprint} for user stella (staff), received`,
    );
    const page = await (await fetch(`${daemon.url}/uploads/${record.id}`)).text();
    expect(page).toContain('<dt>Made for</dt><dd>user stella (staff) ');
  });
});
