import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { api, CLI, GnupgHome, startAdminDaemon } from '../fixtures/index.js';

// key-import / key-export with --passphrase-file: the real CLI, one daemon for the file.
const PASSPHRASE = 'file pass phrase 7';
let daemon: Daemon;
let root: string;
let gnupg: GnupgHome;
let admin: string;
let stop: () => Promise<void>;
let key: { fingerprint: string; armored: string };

/** Runs the built CLI as the admin, `stdin` piped in; resolves when it exits. */
async function debyard(args: string[], stdin = '') {
  const child = spawn(process.execPath, [CLI, '--server', daemon.url, '--token', admin, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

beforeAll(async () => {
  gnupg = new GnupgHome();
  ({ root, daemon, admin, stop } = await startAdminDaemon({ prefix: 'debyard-passfile-' }));
  const user = 'File Key <file@example.org>';
  gnupg.gpg(['--passphrase', PASSPHRASE, '--quick-gen-key', user, 'ed25519', 'sign', '1y']);
  const fingerprint = gnupg.listKeys(user)[0]!.fingerprint;
  const armored = gnupg
    .gpg(['--passphrase', PASSPHRASE, '--armor', '--export-secret-keys', fingerprint])
    .toString();
  key = { fingerprint, armored };
  writeFileSync(path.join(root, 'pass'), `${PASSPHRASE}\nsecond line is ignored\n`);
  writeFileSync(path.join(root, 'wrong'), 'not it\n');
  writeFileSync(path.join(root, 'empty'), '\n');
}, 120_000);

afterAll(async () => {
  await stop?.();
  gnupg?.dispose();
});

describe('debyard key-import / key-export --passphrase-file', () => {
  it('refuses a missing or empty file, both flags, and a wrong passphrase, importing nothing', async () => {
    const file = (name: string) => path.join(root, name);
    const [missing, empty, both, wrong] = await Promise.all([
      debyard(['key-import', '--passphrase-file', file('nosuch')], key.armored),
      debyard(['key-import', '--passphrase-file', file('empty')], key.armored),
      debyard(['key-import', '--passphrase', 'x', '--passphrase-file', file('pass')], key.armored),
      debyard(['key-import', '--passphrase-file', file('wrong')], key.armored),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(`cannot read --passphrase-file ${file('nosuch')}: ENOENT`);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`--passphrase-file ${file('empty')} is empty`);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --passphrase or --passphrase-file, not both');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      `the passphrase given does not unlock secret key ${key.fingerprint}`,
    );
    const keys = await api(daemon.url, 'archive_keys');
    expect(keys.body.map((k: { fingerprint: string }) => k.fingerprint)).not.toContain(
      key.fingerprint,
    );
  });

  it('imports a protected key with the passphrase read from a file', async () => {
    const imported = await debyard(
      ['key-import', '--passphrase-file', path.join(root, 'pass'), '--replace'],
      key.armored,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(new RegExp(`^imported ${key.fingerprint} ed25519 primary`));
  });

  it('exports the key protected by the passphrase read from a file (or given as before)', async () => {
    const answers = await Promise.all([
      debyard(['key-export', '--passphrase-file', path.join(root, 'pass')]),
      debyard(['key-export', '--passphrase', PASSPHRASE]),
    ]);
    for (const exported of answers) {
      expect(exported.code, exported.stderr).toBe(0);
      const backup = await openpgp.readPrivateKey({ armoredKey: exported.stdout });
      expect(backup.getFingerprint().toUpperCase()).toBe(key.fingerprint);
      expect(backup.isDecrypted()).toBe(false);
      await expect(
        openpgp.decryptKey({ privateKey: backup, passphrase: 'not it' }),
      ).rejects.toThrow();
      const unlocked = await openpgp.decryptKey({ privateKey: backup, passphrase: PASSPHRASE });
      expect(unlocked.isDecrypted()).toBe(true);
    }
  });
});
