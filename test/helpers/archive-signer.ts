import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openInstanceKey } from '../../src/pgp/instance-key-store.js';
import type { Signer } from '../../src/pgp/signer.js';
import { systemClock } from '../../src/shared/clock.js';

export interface TestArchiveSigner extends Signer {
  /** The public key, binary, for apt's Signed-By. */
  keyFile: string;
  /** The folder holding the instance key (for worker processes). */
  keysDir: string;
}

/** An instance key (src/pgp) in `<dir>/keys`, with its public key exported for apt. */
export async function testSigner(dir: string): Promise<TestArchiveSigner> {
  const keysDir = path.join(dir, 'keys');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const { signer } = await openInstanceKey({
    dir: keysDir,
    identity: 'testyard',
    algorithm: 'ed25519',
    clock: systemClock,
  });
  const keyFile = path.join(dir, 'archive-key.gpg');
  writeFileSync(keyFile, signer.publicKeyBinary());
  return Object.assign(Object.create(null) as object, signer, {
    keyFile,
    keysDir,
  }) as TestArchiveSigner;
}
