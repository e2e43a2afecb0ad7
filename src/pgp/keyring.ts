import * as openpgp from 'openpgp';
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import { ANY_TIME, describeKey, type KeyComponentInfo, type KeyInfo } from './key-info.js';
import { readPublicKeys, type KeyData } from './read-keys.js';

/** A key found by one of its ids, and which component (primary key or subkey) matched. */
export interface KeyLookup {
  key: KeyInfo;
  /** `key` itself when the primary key matched, else the matching subkey. */
  component: KeyComponentInfo;
}

interface Entry {
  key: openpgp.Key;
  info: KeyInfo;
}

const KEY_REF = /^(?:[0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64})$/;

/**
 * An in-memory set of public keys (e.g. the uploaders of one repository). Whoever
 * persists it stores `exportBinary()` or one block per key, and rebuilds it with `from`.
 */
export class Keyring {
  private readonly entries = new Map<string, Entry>();
  /** Fingerprints and long key ids of every component → primary fingerprint. */
  private readonly index = new Map<string, { primary: string; component: KeyComponentInfo }>();

  static async from(blocks: Iterable<KeyData>): Promise<Keyring> {
    const keyring = new Keyring();
    for (const block of blocks) await keyring.add(block);
    return keyring;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Adds every key in `data` (armored or binary, several keys allowed). A key already
   * present is merged with the new copy: new user ids, subkeys, revocations, expiry.
   * Returns the keys of `data` as they now are in the keyring.
   */
  async add(data: KeyData): Promise<KeyInfo[]> {
    // Staged first, so that one unusable key leaves the keyring as it was.
    const staged = new Map<string, Entry>();
    for (const key of await readPublicKeys(data)) {
      const fingerprint = key.getFingerprint().toUpperCase();
      const base = staged.get(fingerprint) ?? this.entries.get(fingerprint);
      const merged = base ? await base.key.update(key, ANY_TIME) : key;
      staged.set(fingerprint, { key: merged, info: await usableKeyInfo(merged, fingerprint) });
    }
    for (const [fingerprint, entry] of staged) this.entries.set(fingerprint, entry);
    this.reindex();
    return [...staged.values()].map((e) => e.info);
  }

  /** Removes a key by its primary fingerprint or long key id; returns what was removed. */
  remove(ref: string): KeyInfo {
    const found = this.lookup(ref);
    if (!found || found.component !== found.key) {
      throw new NotFoundError(`no key ${ref} in the keyring (give its primary key fingerprint)`);
    }
    this.entries.delete(found.key.fingerprint);
    this.reindex();
    return found.key;
  }

  /** Every key, in the order they were first added. */
  list(): KeyInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  /**
   * Finds a key by the fingerprint or long (16-digit) key id of its primary key or of
   * any subkey (signatures are often made by signing subkeys). Case, spaces and a `0x`
   * prefix are ignored; short 8-digit ids are not accepted (they collide).
   */
  lookup(ref: string): KeyLookup | undefined {
    const hit = this.index.get(normalizeKeyRef(ref));
    if (!hit) return undefined;
    return { key: this.entries.get(hit.primary)!.info, component: hit.component };
  }

  /** One key (by primary fingerprint) or all keys, as one ASCII-armored block. */
  exportArmored(fingerprint?: string): string {
    const keys = this.selected(fingerprint);
    const bytes = concatKeys(keys);
    const checksum = keys.every((k) => k.keyPacket.version !== 6);
    return openpgp.armor(
      openpgp.enums.armor.publicKey,
      bytes,
      undefined,
      undefined,
      undefined,
      checksum,
    );
  }

  /** One key (by primary fingerprint) or all keys, binary, as `gpg --export` writes them. */
  exportBinary(fingerprint?: string): Uint8Array {
    return concatKeys(this.selected(fingerprint));
  }

  /** The openpgp.js key object, for the verifier of this folder. */
  openpgpKey(fingerprint: string): openpgp.Key {
    const entry = this.entries.get(normalizeKeyRef(fingerprint));
    if (!entry) throw new NotFoundError(`no key ${fingerprint} in the keyring`);
    return entry.key;
  }

  private selected(fingerprint: string | undefined): openpgp.Key[] {
    if (fingerprint === undefined) return [...this.entries.values()].map((e) => e.key);
    return [this.openpgpKey(fingerprint)];
  }

  private reindex(): void {
    this.index.clear();
    for (const { info } of this.entries.values()) {
      for (const component of [info, ...info.subkeys]) {
        const hit = { primary: info.fingerprint, component };
        this.index.set(component.fingerprint, hit);
        this.index.set(component.keyId, hit);
      }
    }
  }
}

async function usableKeyInfo(key: openpgp.Key, fingerprint: string): Promise<KeyInfo> {
  let info: KeyInfo;
  try {
    info = await describeKey(key);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`key ${fingerprint} is unusable: ${reason}`, { cause: error });
  }
  if (isTooWeak(info.algorithm)) {
    throw new InvalidInputError(
      `key ${fingerprint}${info.userId ? ` (${info.userId})` : ''} uses ${info.algorithm}, too weak to check signatures with; use an ed25519 key or an RSA key of 2048 bits or more`,
    );
  }
  return info;
}

/** What openpgp.js refuses to verify with by default: DSA, ElGamal, RSA below 2048 bits. */
function isTooWeak(algorithm: string): boolean {
  const rsaBits = /^rsa(\d+)$/.exec(algorithm)?.[1];
  return /^(dsa|elg)/.test(algorithm) || (rsaBits !== undefined && Number(rsaBits) < 2047);
}

/** Upper-case hex without spaces or 0x; '' when it is no fingerprint or long key id. */
export function normalizeKeyRef(ref: string): string {
  const hex = ref.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  return KEY_REF.test(hex) ? hex : '';
}

function concatKeys(keys: openpgp.Key[]): Uint8Array {
  return Buffer.concat(keys.map((k) => k.toPublic().write()));
}
