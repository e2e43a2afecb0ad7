// INTERIM: a GnuPG-backed Release signer for the archive tests until src/pgp lands.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReleaseSigner } from '../../src/archive/ports.js';

export interface TestSigner extends ReleaseSigner {
  /** The public key, binary, for apt's Signed-By. */
  keyFile: string;
}

export function gpgSigner(dir: string): TestSigner {
  const home = path.join(dir, 'gnupg');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const gpg = (args: string[], input?: string) => {
    const r = spawnSync('gpg', ['--homedir', home, '--batch', '--yes', '--quiet', ...args], {
      input,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`gpg ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  gpg([
    '--passphrase',
    '',
    '--quick-gen-key',
    'debyard test <test@example.org>',
    'ed25519',
    'sign',
    '0',
  ]);
  const keyFile = path.join(dir, 'archive-key.gpg');
  writeFileSync(keyFile, execFileSync('gpg', ['--homedir', home, '--export']));
  return {
    keyFile,
    clearSign: async (text) => gpg(['--clearsign', '--digest-algo', 'SHA512'], text),
    detachSign: async (text) => gpg(['--armor', '--detach-sign', '--digest-algo', 'SHA512'], text),
  };
}
