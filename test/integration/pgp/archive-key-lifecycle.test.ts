import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { PortsPart } from '../../../src/app/parts/ports-part.js';
import { detectHostSystem } from '../../../src/config/host-system.js';
import {
  adminPassword,
  adminToken,
  api,
  GnupgHome,
  IsolatedApt,
  persistentTempDir,
  startTestDaemon,
  trixieApt,
  webLogin,
} from '../../fixtures/index.js';

const run = promisify(execFile);
const { codename, architecture } = detectHostSystem();
const DIST = `${codename}-test-unstable`;
const PASSPHRASE = 'correct horse battery staple 7';
/** The imported key expires this long after gpg made it; key_extend saves it. */
const FIRST_LIFE_S = 50;
// apt with its date checks on (this machine turns them off globally).
const DATES = ['-o', 'Acquire::Check-Date=true', '-o', 'Acquire::Check-Valid-Until=true'];

let daemon: Daemon;
let root: string;
let admin: string;
let gnupg: GnupgHome;
let trixie: string;
let keyA: { fingerprint: string; created: number; armored: string };

const post = (name: string, input: Record<string, unknown>) =>
  api(daemon.url, name, { method: 'POST', input, token: admin });
const keys = async () =>
  (await api(daemon.url, 'archive_keys')).body as {
    fingerprint: string;
    state: string;
    signing: boolean;
    expires: string | null;
    daysLeft: number | null;
    publicKey: string;
  }[];

/** gpg made off the event loop: an RSA 4096 key takes gpg seconds. */
async function gpgAsync(args: string[]): Promise<string> {
  const { stdout } = await run(
    'gpg',
    ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...args],
    {
      env: gnupg.env,
    },
  );
  return stdout;
}

beforeAll(async () => {
  root = persistentTempDir('debyard-keys-');
  gnupg = new GnupgHome();
  const [started, tree] = await Promise.all([
    startTestDaemon(path.join(root, 'home')),
    trixieApt(),
    gpgAsync([
      '--passphrase',
      PASSPHRASE,
      '--quick-gen-key',
      'Archive Team <archive@example.org>',
      'rsa4096',
      'sign',
      `seconds=${FIRST_LIFE_S}`,
    ]),
  ]);
  daemon = started;
  trixie = tree;
  admin = await adminToken(daemon);
  const listed = gnupg.listKeys('archive@example.org')[0]!;
  keyA = {
    fingerprint: listed.fingerprint,
    created: listed.created.getTime(),
    armored: await gpgAsync([
      '--passphrase',
      PASSPHRASE,
      '--armor',
      '--export-secret-keys',
      listed.fingerprint,
    ]),
  };
}, 600_000);

afterAll(async () => {
  await daemon?.stop();
  gnupg?.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** One apt client (apt 2.6 with gpgv on this host, or trixie's apt 3 with sqv) trusting `armoredKeys`. */
function client(name: string, kind: 'gpgv' | 'sqv', armoredKeys: string[]): IsolatedApt {
  const base = kind === 'sqv' ? path.join(trixie, 'tmp', 'debyard-keys') : root;
  const dir = path.join(base, `${path.basename(root)}-${name}-${kind}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const apt = new IsolatedApt(dir, architecture, kind === 'sqv' ? trixie : undefined);
  const keyring = path.join(dir, 'keyring.asc');
  // One armored block per key, as a user who saved each key would have them.
  writeFileSync(keyring, armoredKeys.join('\n'));
  apt.addSource('debyard', {
    uri: `${daemon.url}/repos/test/`,
    suites: [DIST],
    components: ['main'],
    signedBy: apt.inside(keyring),
    types: 'deb',
  });
  return apt;
}

async function update(name: string, kind: 'gpgv' | 'sqv', armoredKeys: string[]) {
  const result = await client(name, kind, armoredKeys).aptGet(['update'], DATES);
  return { ...result, ok: result.code === 0 && result.problems.length === 0 };
}

/** Both apts, each trusting only these keys, update with no W: or E: line. */
async function expectBothVerify(name: string, armoredKeys: string[]) {
  for (const kind of ['gpgv', 'sqv'] as const) {
    const result = await update(name, kind, armoredKeys);
    expect(result.problems, `${kind}: ${result.output}`).toEqual([]);
    expect(result.code, `${kind}: ${result.output}`).toBe(0);
  }
}

async function signaturesOf(file: 'InRelease' | 'Release.gpg'): Promise<string[]> {
  const dir = path.join(root, 'sigcheck');
  mkdirSync(dir, { recursive: true });
  const get = async (f: string) =>
    Buffer.from(await (await fetch(`${daemon.url}/repos/test/dists/${DIST}/${f}`)).arrayBuffer());
  writeFileSync(path.join(dir, file), await get(file));
  if (file === 'Release.gpg') writeFileSync(path.join(dir, 'Release'), await get('Release'));
  const all = await keys();
  writeFileSync(path.join(dir, 'all.asc'), all.map((k) => k.publicKey).join('\n'));
  const keyring = path.join(dir, 'all.gpg');
  rmSync(keyring, { force: true });
  await run('gpg', ['--batch', '--dearmor', '-o', keyring, path.join(dir, 'all.asc')]);
  const args =
    file === 'InRelease'
      ? [path.join(dir, file)]
      : [path.join(dir, file), path.join(dir, 'Release')];
  const { stdout } = await run('gpgv', ['--status-fd', '1', '--keyring', keyring, ...args]).catch(
    (e: { stdout: string }) => ({ stdout: e.stdout }),
  );
  return [...stdout.matchAll(/^\[GNUPG:\] VALIDSIG (\S+) .* (\S+)$/gm)].map((m) => m[2]!).sort();
}

/**
 * The fingerprints in the keyring the keyring package would ship: its source tree as the
 * daemon writes it before building (building it needs a chroot; test/e2e builds one).
 */
async function keyringPackageKeys(): Promise<string[]> {
  const ports = daemon.parts.find((p) => p.name === 'ports') as PortsPart;
  const keyring = ports.keyring as unknown as {
    target(repo: unknown, codename: string): unknown;
    writeTree(tree: string, target: unknown, version: string, baseUrl: string): Promise<void>;
    packageName: string;
  };
  const repo = { id: 'test', layout: 'default' };
  const tree = path.join(root, 'keyring-tree');
  rmSync(tree, { recursive: true, force: true });
  await keyring.writeTree(tree, keyring.target(repo, codename), '1', daemon.url);
  const file = path.join(tree, 'keyrings', `${keyring.packageName}.gpg`);
  const { stdout } = await run('gpg', ['--batch', '--with-colons', '--show-keys', file], {
    env: gnupg.env,
  });
  return [...stdout.matchAll(/^pub:.*\nfpr:+([0-9A-F]{40}):/gm)].map((m) => m[1]!).sort();
}

/** Every file of the home, the database and its WAL included, as bytes. */
function homeHolds(text: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      const stat = statSync(file);
      if (stat.isDirectory()) walk(file);
      else if (stat.isFile() && readFileSync(file).includes(text)) found.push(file);
    }
  };
  walk(daemon.layout.root);
  return found;
}

describe('archive key lifecycle, verified by apt 2.6 (gpgv) and apt 3 (sqv)', () => {
  let keyB: string;

  it('refuses a protected key without its passphrase, or with a wrong one, saying so', async () => {
    const missing = await post('key_import', { key: keyA.armored, replace: true });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/protected by a passphrase; give it/);
    const wrong = await post('key_import', {
      key: keyA.armored,
      passphrase: 'not it',
      replace: true,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toBe(
      `the passphrase given does not unlock secret key ${keyA.fingerprint}`,
    );
    const junk = await post('key_import', { key: 'not a key', replace: true });
    expect(junk.status).toBe(400);
    expect(junk.body.detail).toMatch(/^not an OpenPGP secret key/);
    expect((await keys()).map((k) => k.fingerprint)).not.toContain(keyA.fingerprint);
  });

  it('imports an RSA 4096 key made by gpg; both apts verify InRelease and Release.gpg', async () => {
    const generated = (await keys())[0]!.fingerprint;
    const imported = await post('key_import', {
      key: keyA.armored,
      passphrase: PASSPHRASE,
      replace: true,
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body).toMatchObject({ fingerprint: keyA.fingerprint, algorithm: 'rsa4096' });
    expect((await keys()).map((k) => [k.fingerprint, k.state, k.signing])).toEqual([
      [keyA.fingerprint, 'primary', true],
      [generated, 'retired', false],
    ]);
    expect(await signaturesOf('InRelease')).toEqual([keyA.fingerprint]);
    expect(await signaturesOf('Release.gpg')).toEqual([keyA.fingerprint]);
    const publicA = gnupg.exportKey(keyA.fingerprint, true).toString();
    await expectBothVerify('a', [publicA]);
    // The passphrase is in no file of the home (database, WAL, keys) nor in any event.
    expect(homeHolds(PASSPHRASE)).toEqual([]);
    const audit = await api(daemon.url, 'events', {
      input: { type: 'AUDIT', user: 'admin' },
      token: admin,
    });
    expect(audit.body.some((e: { message: string }) => /key-import .*done/.test(e.message))).toBe(
      true,
    );
    expect(JSON.stringify(audit.body)).not.toContain(PASSPHRASE);
  });

  it('warns of the expiry: KEY event, metrics gauge, web banner', async () => {
    const events = await api(daemon.url, 'events', { input: { type: 'KEY' } });
    expect(events.body.map((e: { message: string }) => e.message)).toContain(
      `archive key ${keyA.fingerprint} expires in 0 days; extend it: debyard key-extend 1y`,
    );
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toContain(`debyard_archive_key_days_left{fingerprint="${keyA.fingerprint}"} 0`);
    const page = await (await fetch(`${daemon.url}/install/test`)).text();
    expect(page).toContain(`The archive key ${keyA.fingerprint} expires in 0 days`);
  });

  it('exports the secret key for the admin only, as an event naming who', async () => {
    expect((await api(daemon.url, 'key_export', { method: 'POST' })).status).toBe(401);
    const exported = await post('key_export', { passphrase: 'backup pass 1' });
    expect(exported.status).toBe(200);
    expect(exported.body.fingerprint).toBe(keyA.fingerprint);
    const backup = new GnupgHome();
    try {
      backup.gpg(['--passphrase', 'backup pass 1', '--import'], exported.body.armored);
      const secret = backup.gpg(['--with-colons', '--list-secret-keys']).toString();
      expect(secret).toContain(keyA.fingerprint);
    } finally {
      backup.dispose();
    }
    const events = await api(daemon.url, 'events', { input: { type: 'KEY', user: 'admin' } });
    expect(events.body[0].message).toBe(`archive secret key ${keyA.fingerprint} exported by admin`);
  });

  it('extends the key: same fingerprint, new expiry published, banner gone', async () => {
    const extended = await post('key_extend', { expires: '1y' });
    expect(extended.status, JSON.stringify(extended.body)).toBe(200);
    expect(extended.body.fingerprint).toBe(keyA.fingerprint);
    expect(extended.body.daysLeft).toBeGreaterThanOrEqual(364);
    const published = await (await fetch(`${daemon.url}/api/v1/pub_key`)).text();
    const file = path.join(root, 'published.asc');
    writeFileSync(file, published);
    const { stdout } = await run('gpg', ['--batch', '--with-colons', '--show-keys', file], {
      env: gnupg.env,
    });
    const pub = stdout
      .split('\n')
      .find((l) => l.startsWith('pub:'))!
      .split(':');
    expect(Number(pub[6]) * 1000).toBeGreaterThan(Date.now() + 360 * 86_400_000);
    const page = await (await fetch(`${daemon.url}/install/test`)).text();
    expect(page).not.toContain('expires in');
  });

  it('rotates: during the transition clients trusting either key verify', async () => {
    const rotated = await post('key_rotate', {});
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    keyB = rotated.body.fingerprint as string;
    expect(rotated.body.algorithm).toBe('ed25519');
    expect((await keys()).slice(0, 2).map((k) => [k.fingerprint, k.state, k.signing])).toEqual([
      [keyB, 'primary', true],
      [keyA.fingerprint, 'retiring', true],
    ]);
    expect(await signaturesOf('InRelease')).toEqual([keyA.fingerprint, keyB].sort());
    expect(await signaturesOf('Release.gpg')).toEqual([keyA.fingerprint, keyB].sort());
    const all = await keys();
    const pub = (f: string) => all.find((k) => k.fingerprint === f)!.publicKey;
    await expectBothVerify('old-only', [pub(keyA.fingerprint)]);
    await expectBothVerify('new-only', [pub(keyB)]);
    // The install page tells machines set up with the previous key what to do.
    const install = await (await fetch(`${daemon.url}/install/test`)).text();
    expect(install).toMatch(
      new RegExp(`id="rotation">The archive key is being changed[\\s\\S]*${keyA.fingerprint}`),
    );
    // The keyring package's source ships both keys in its one keyring file.
    expect(await keyringPackageKeys()).toEqual([keyA.fingerprint, keyB].sort());
    // pub_key serves both, for clients to refresh.
    await expectBothVerify('pub-key', [await (await fetch(`${daemon.url}/api/v1/pub_key`)).text()]);
  });

  it('signs with the extended key after its first expiry; a stale copy of it fails', async () => {
    const wait = keyA.created + (FIRST_LIFE_S + 2) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    // Signed again now, past the first expiry: only the extension lets the daemon sign.
    const again = await post('key_extend', { expires: '2y', fingerprint: keyA.fingerprint });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(await signaturesOf('InRelease')).toEqual([keyA.fingerprint, keyB].sort());
    const refreshed = (await keys()).find((k) => k.fingerprint === keyA.fingerprint)!.publicKey;
    await expectBothVerify('refreshed', [refreshed]);
    const stale = gnupg.exportKey(keyA.fingerprint, true).toString();
    for (const kind of ['gpgv', 'sqv'] as const) {
      const result = await update('stale', kind, [stale]);
      expect(result.ok, `${kind}: ${result.output}`).toBe(false);
    }
  }, 120_000);

  it('after retirement only clients trusting the new key verify', async () => {
    const retired = await post('key_retire', { fingerprint: keyA.fingerprint });
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    expect(await signaturesOf('InRelease')).toEqual([keyB]);
    expect(await signaturesOf('Release.gpg')).toEqual([keyB]);
    expect(await (await fetch(`${daemon.url}/install/test`)).text()).not.toContain('id="rotation"');
    const all = await keys();
    const pub = (f: string) => all.find((k) => k.fingerprint === f)!.publicKey;
    await expectBothVerify('new-after', [pub(keyB)]);
    for (const kind of ['gpgv', 'sqv'] as const) {
      const result = await update('old-after', kind, [pub(keyA.fingerprint)]);
      expect(result.ok, `${kind}: ${result.output}`).toBe(false);
      expect(result.output).toMatch(/NO_PUBKEY|not signed|Missing key|signature/i);
    }
    const again = await post('key_retire', { fingerprint: keyA.fingerprint });
    expect(again.status).toBe(400);
    expect(again.body.detail).toMatch(/is retired; only a retiring key/);
  });

  it('shows the keys to admins on /archive-keys, whose forms run the same calls', async () => {
    const anonymous = await fetch(`${daemon.url}/archive-keys`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    const { cookie, csrf } = await webLogin(daemon.url, 'admin', adminPassword(daemon));
    const page = await (await fetch(`${daemon.url}/archive-keys`, { headers: { cookie } })).text();
    expect(page).toMatch(new RegExp(`data-fingerprint="${keyB}">[\\s\\S]*?<td>primary</td>`));
    expect(page).toMatch(
      new RegExp(`data-fingerprint="${keyA.fingerprint}">[\\s\\S]*?<td>retired</td>`),
    );
    const exported = await fetch(`${daemon.url}/archive-keys/export`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toBe(
      `attachment; filename="archive-key-${keyB}.asc"`,
    );
    expect(await exported.text()).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
    const audit = await api(daemon.url, 'events', {
      input: { type: 'AUDIT', user: 'admin' },
      token: admin,
    });
    expect(audit.body[0].message).toBe('admin: key-export: done');
  });

  it('retires the previous key by itself when its --retire-at date comes', async () => {
    const rotated = await post('key_rotate', {
      retire_at: new Date(Date.now() + 10_000).toISOString(),
    });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const keyC = rotated.body.fingerprint as string;
    expect(await signaturesOf('InRelease')).toEqual([keyB, keyC].sort());
    // No call, no restart: the daemon's own check at that time (not at the next hourly one).
    const state = async () => (await keys()).find((k) => k.fingerprint === keyB)?.state;
    await expect.poll(state, { timeout: 30_000, interval: 500 }).toBe('retired');
    await expect.poll(() => signaturesOf('InRelease'), { timeout: 10_000 }).toEqual([keyC]);
    expect(await signaturesOf('Release.gpg')).toEqual([keyC]);
    const told = await api(daemon.url, 'events', { input: { type: 'KEY' }, token: admin });
    expect(told.body.map((e: { message: string }) => e.message)).toContain(
      `archive key ${keyB} retired at its date: it signs no more`,
    );
  }, 90_000);
});
