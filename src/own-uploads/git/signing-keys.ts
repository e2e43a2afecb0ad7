import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { createSigner, type Signer } from '../../pgp/signer.js';
import type { Clock } from '../../shared/clock.js';
import { InvalidInputError } from '../../shared/errors.js';

export interface GitSigningKeysDeps {
  /** Where an admin puts unprotected armored secret keys (`<home>/keys/signing/*.asc`). */
  dir: string;
  clock: Clock;
  /** The instance key's fingerprint (undefined: not loaded yet). */
  instanceFingerprint(): string | undefined;
  /** Whether a key is an uploader key (its public half in the incoming's keyring). */
  isUploaderKey(fingerprint: string): boolean;
}

const normalize = (fingerprint: string) => fingerprint.replace(/\s+/g, '').toUpperCase();

/**
 * The keys a git source may sign its uploads with: the instance key (the default: the
 * upload is judged as the one it is made for), or a secret key an admin put into the
 * signing-keys folder whose public half is an uploader key: then the incoming sees that
 * key as the uploader, with that key's repositories. Secret keys never travel the API.
 */
export class GitSigningKeys {
  constructor(private readonly deps: GitSigningKeysDeps) {}

  /**
   * The fingerprint to store for a source (null: the instance key), or a clear error: the
   * key must be the instance key, or a held secret key that is an uploader key.
   */
  async check(fingerprint: string | undefined): Promise<string | null> {
    if (fingerprint === undefined) return null;
    const wanted = normalize(fingerprint);
    if (wanted === this.deps.instanceFingerprint()) return null;
    const held = await this.held();
    if (!held.has(wanted)) {
      const names = [this.deps.instanceFingerprint() ?? '', ...held.keys()].filter(Boolean);
      throw new InvalidInputError(
        `the daemon holds no secret key ${wanted}: put it (armored, unprotected) into ${this.deps.dir}/ or name one it holds: ${names.join(', ')}`,
      );
    }
    if (!this.deps.isUploaderKey(wanted)) {
      throw new InvalidInputError(
        `key ${wanted} is no uploader key: add its public half (key-add) and let it upload (key-permit), so the incoming knows it`,
      );
    }
    return wanted;
  }

  /** The signer of a stored signing key. */
  async signer(fingerprint: string): Promise<Signer> {
    const signer = (await this.held()).get(fingerprint);
    if (!signer) {
      throw new InvalidInputError(
        `the signing key ${fingerprint} of this git source is no longer in ${this.deps.dir}/`,
      );
    }
    return signer;
  }

  /** The secret keys in the folder, by fingerprint (files that are no usable key: an error). */
  private async held(): Promise<Map<string, Signer>> {
    const keys = new Map<string, Signer>();
    if (!existsSync(this.deps.dir)) return keys;
    const files = (await fs.readdir(this.deps.dir)).filter((f) => f.endsWith('.asc')).sort();
    for (const file of files) {
      const full = path.join(this.deps.dir, file);
      try {
        const signer = await createSigner(await fs.readFile(full, 'utf8'), this.deps);
        keys.set(signer.key.fingerprint, signer);
      } catch (error) {
        throw new InvalidInputError(`${full} holds no usable secret key`, { cause: error });
      }
    }
    return keys;
  }
}
