import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../shared/atomic-fs.js';
import type { Clock } from '../shared/clock.js';
import { InvalidInputError } from '../shared/errors.js';
import { createSigner, type Signer } from './signer.js';
import { generateSigningKey, instanceUserId, type KeyAlgorithm } from './signing-key.js';

/** The secret key file in the keys folder (ASCII-armored, mode 0600). */
export const INSTANCE_KEY_FILE = 'instance-key.asc';

export interface InstanceKeyOptions {
  /** The folder of key material (`<home>/keys`); it must exist. */
  dir: string;
  /** The instance identity, put in the user id of a new key. */
  identity: string;
  /** Used only when the key is generated; an existing key is kept as it is. */
  algorithm: KeyAlgorithm;
  clock: Clock;
}

/**
 * Loads the instance key from `<dir>/instance-key.asc`, generating and storing it (mode
 * 0600, atomically) on first use. Refuses a key file other users can read.
 */
export async function openInstanceKey(
  options: InstanceKeyOptions,
): Promise<{ signer: Signer; generated: boolean }> {
  const file = path.join(options.dir, INSTANCE_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing !== null) {
    return { signer: await signerFromFile(file, existing, options.clock), generated: false };
  }
  const armored = await generateSigningKey({
    algorithm: options.algorithm,
    userId: instanceUserId(options.identity),
    date: options.clock.now(),
  });
  await writeFileAtomic(file, armored, { mode: 0o600 });
  return { signer: await createSigner(armored, { clock: options.clock }), generated: true };
}

async function readKeyFile(file: string): Promise<string | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const mode = (await handle.stat()).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new InvalidInputError(
        `the instance key ${file} is accessible by other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${file}`,
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function signerFromFile(file: string, armored: string, clock: Clock): Promise<Signer> {
  try {
    return await createSigner(armored, { clock });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(`the instance key ${file} is unusable: ${error.message}`, {
      cause: error,
    });
  }
}
