import type { UploaderKeysRepository } from '../db/uploader-keys-repository.js';
import type { UploaderKeyRecord } from './uploader-key-records.js';
import { Keyring } from '../pgp/keyring.js';
import type { KeyData } from '../pgp/read-keys.js';
import type { Clock } from '../shared/clock.js';
import { InvalidInputError, NotFoundError } from '../shared/errors.js';

export interface UploaderKeysDeps {
  store: UploaderKeysRepository;
  clock: Clock;
  /** Whether a repository exists (keys are only given rights to existing ones). */
  hasRepository(id: string): boolean;
  /**
   * The daemon's own key, which may upload to every repository (ports, keyring and test
   * packages are its uploads); undefined until it is loaded.
   */
  instanceKey?: () => { armored: string; fingerprint: string } | undefined;
  /** Every repository id (what the instance key may upload to). */
  repositories?: () => string[];
}

export interface AddUploaderKeyInput {
  /** Armored or binary public key data; several keys at once are fine. */
  key: KeyData;
  /** The repositories it may upload to; absent: a new key none, a known key keeps its own. */
  repositories?: string[];
  ownerId?: number | null;
  comment?: string;
}

/**
 * Which OpenPGP keys may upload to which repositories. Keys are stored one armored
 * block each; the keyring the incoming verifies with is rebuilt after each change.
 */
export class UploaderKeys {
  private cached: Promise<Keyring> | undefined;
  private cachedWith: string | undefined;

  constructor(private readonly deps: UploaderKeysDeps) {}

  /** Adds keys (or updates them: new rights, merged key material). */
  async add(input: AddUploaderKeyInput): Promise<UploaderKeyRecord[]> {
    if (input.repositories) this.checkRepositories(input.repositories);
    const keyring = new Keyring();
    const infos = await keyring.add(input.key);
    const added: UploaderKeyRecord[] = [];
    for (const info of infos) {
      const existing = this.deps.store.find(info.fingerprint);
      const merged = existing ? await Keyring.from([existing.armored, input.key]) : keyring;
      const record: UploaderKeyRecord = {
        fingerprint: info.fingerprint,
        armored: merged.exportArmored(info.fingerprint),
        userIds: merged.lookup(info.fingerprint)!.key.userIds,
        ownerId: existing ? existing.ownerId : (input.ownerId ?? null),
        comment: input.comment ?? existing?.comment ?? '',
        repositories: [...new Set(input.repositories ?? existing?.repositories ?? [])].sort(),
        // Binary rights stay with the repositories the key keeps.
        binaryRepositories: (existing?.binaryRepositories ?? []).filter((r) =>
          (input.repositories ?? existing?.repositories ?? []).includes(r),
        ),
        addedAt: existing?.addedAt ?? this.deps.clock.now().toISOString(),
      };
      this.deps.store.save(record);
      added.push(record);
    }
    this.cached = undefined;
    return added;
  }

  setRepositories(
    fingerprint: string,
    repositories: string[],
    binaryRepositories?: string[],
  ): UploaderKeyRecord {
    this.checkRepositories(repositories);
    const record = this.get(fingerprint);
    const kept = [...new Set(repositories)].sort();
    const binary = binaryRepositories ?? record.binaryRepositories ?? [];
    const updated = {
      ...record,
      repositories: kept,
      binaryRepositories: [...new Set(binary)].filter((r) => kept.includes(r)).sort(),
    };
    this.deps.store.save(updated);
    return updated;
  }

  /**
   * Adds repositories a key may upload to; with `binary` it may also upload binary
   * packages there (uploads of .deb files, installed without a build).
   */
  permit(
    fingerprint: string,
    repositories: string[],
    options: { binary?: boolean } = {},
  ): UploaderKeyRecord {
    const record = this.get(fingerprint);
    const binary = record.binaryRepositories ?? [];
    return this.setRepositories(
      record.fingerprint,
      [...record.repositories, ...repositories],
      options.binary ? [...binary, ...repositories] : binary,
    );
  }

  /**
   * Takes repositories away from a key (it may end up with none: it uploads nowhere);
   * with `binary` only the right to upload binary packages there.
   */
  forbid(
    fingerprint: string,
    repositories: string[],
    options: { binary?: boolean } = {},
  ): UploaderKeyRecord {
    const record = this.get(fingerprint);
    if (options.binary) return this.forbidBinary(record, repositories);
    const unknown = repositories.filter((r) => !record.repositories.includes(r));
    if (unknown.length > 0) {
      throw new NotFoundError(
        `key ${record.fingerprint} may not upload to ${unknown.join(', ')} anyway (it may upload to ${record.repositories.join(', ') || 'none'})`,
      );
    }
    const updated = {
      ...record,
      repositories: record.repositories.filter((r) => !repositories.includes(r)),
      binaryRepositories: (record.binaryRepositories ?? []).filter(
        (r) => !repositories.includes(r),
      ),
    };
    this.deps.store.save(updated);
    return updated;
  }

  private forbidBinary(record: UploaderKeyRecord, repositories: string[]): UploaderKeyRecord {
    const binary = record.binaryRepositories ?? [];
    const unknown = repositories.filter((r) => !binary.includes(r));
    if (unknown.length > 0) {
      throw new NotFoundError(
        `key ${record.fingerprint} may not upload binary packages to ${unknown.join(', ')} anyway (it may to ${binary.join(', ') || 'none'})`,
      );
    }
    const updated = {
      ...record,
      binaryRepositories: binary.filter((r) => !repositories.includes(r)),
    };
    this.deps.store.save(updated);
    return updated;
  }

  /** The primary fingerprints of every key in the key data (read, not stored). */
  async fingerprintsOf(key: KeyData): Promise<string[]> {
    return (await new Keyring().add(key)).map((info) => info.fingerprint);
  }

  remove(fingerprint: string): void {
    this.deps.store.remove(this.get(fingerprint).fingerprint);
    this.cached = undefined;
  }

  list(): UploaderKeyRecord[] {
    return this.deps.store.list();
  }

  get(fingerprint: string): UploaderKeyRecord {
    const record = this.deps.store.find(fingerprint.replace(/\s+/g, '').toUpperCase());
    if (!record) throw new NotFoundError(`there is no uploader key ${fingerprint}`);
    return record;
  }

  /** The repositories a key (by primary fingerprint) may upload to. */
  repositoriesOf(fingerprint: string): string[] {
    if (this.isInstanceKey(fingerprint)) return this.deps.repositories?.() ?? [];
    return this.deps.store.find(fingerprint)?.repositories ?? [];
  }

  /**
   * The repositories a key may upload binary packages to. Never implied: the instance key
   * has none (the daemon's own uploads are sources).
   */
  binaryRepositoriesOf(fingerprint: string): string[] {
    if (this.isInstanceKey(fingerprint)) return [];
    return this.deps.store.find(fingerprint)?.binaryRepositories ?? [];
  }

  /**
   * Whether a key is the daemon's own: its uploads (ports, keyring and test packages)
   * are judged as the one they are made for (see check-signatures.ts).
   */
  isInstanceKey(fingerprint: string): boolean {
    return this.instanceKey()?.fingerprint === fingerprint;
  }

  /** Every uploader key and the instance key, to verify signatures with. */
  keyring(): Promise<Keyring> {
    const instance = this.instanceKey();
    if (this.cachedWith !== instance?.fingerprint) this.cached = undefined;
    this.cachedWith = instance?.fingerprint;
    const blocks = () => [
      ...this.deps.store.list().map((k) => k.armored),
      ...(instance ? [instance.armored] : []),
    ];
    this.cached ??= Keyring.from(blocks()).catch((error) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  private instanceKey() {
    try {
      return this.deps.instanceKey?.();
    } catch {
      return undefined; // not loaded yet
    }
  }

  private checkRepositories(repositories: string[]): void {
    if (repositories.length === 0) {
      throw new InvalidInputError('name at least one repository the key may upload to');
    }
    const unknown = repositories.filter((r) => !this.deps.hasRepository(r));
    if (unknown.length > 0) {
      throw new NotFoundError(`there is no repository ${unknown.map((r) => `"${r}"`).join(', ')}`);
    }
  }
}
