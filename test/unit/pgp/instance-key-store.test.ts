import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTANCE_KEY_FILE, openInstanceKey } from '../../../src/pgp/instance-key-store.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { tempDir } from '../../fixtures/index.js';

const clock = new ManualClock('2026-06-01T12:00:00Z');
const options = (dir: string) => ({
  dir,
  identity: 'testyard',
  algorithm: 'ed25519' as const,
  clock,
});

describe('openInstanceKey', () => {
  it('generates the key on first use into a 0600 file, then loads the same key', async () => {
    const dir = tempDir();
    const first = await openInstanceKey(options(dir));
    expect(first.generated).toBe(true);
    const file = path.join(dir, INSTANCE_KEY_FILE);
    expect(readdirSync(dir)).toEqual([INSTANCE_KEY_FILE]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----\n/);

    const again = await openInstanceKey({ ...options(dir), algorithm: 'rsa4096' });
    expect(again.generated).toBe(false);
    expect(again.signer.key.fingerprint).toBe(first.signer.key.fingerprint);
    expect(again.signer.key.algorithm).toBe('ed25519');
  });

  it('refuses a key file other users can read', async () => {
    const dir = tempDir();
    await openInstanceKey(options(dir));
    const file = path.join(dir, INSTANCE_KEY_FILE);
    chmodSync(file, 0o644);
    await expect(openInstanceKey(options(dir))).rejects.toThrow(
      new InvalidInputError(
        `the instance key ${file} is accessible by other users (mode 0644); run: chmod 600 ${file}`,
      ),
    );
  });

  it('names the file when it holds no usable key', async () => {
    const dir = tempDir();
    const file = path.join(dir, INSTANCE_KEY_FILE);
    writeFileSync(file, 'garbage\n', { mode: 0o600 });
    await expect(openInstanceKey(options(dir))).rejects.toThrow(
      new RegExp(`^the instance key ${file} is unusable: not an OpenPGP secret key: `),
    );
  });
});
