import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { writeFileAtomic } from '../shared/atomic-fs.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors.js';
import {
  INSTANCE_KEY_FILE,
  openInstanceKey,
  type InstanceKeyOptions,
} from './instance-key-store.js';
import { describeKey, isExpired, type KeyInfo } from './key-info.js';
import { extendKey, unlockKey } from './key-material.js';
import { createSigner, readSecretKey, type Signer } from './signer.js';
import { generateSigningKey, instanceUserId, type KeyAlgorithm } from './signing-key.js';

/** primary: signs and is the key; retiring: still signs (a rotation's transition); retired: kept only. */
export type ArchiveKeyState = 'primary' | 'retiring' | 'retired';

export interface ArchiveKey {
  info: KeyInfo;
  state: ArchiveKeyState;
  /** When a retiring key stops signing; null: when an admin retires it. */
  retireAt: Date | null;
  /** The public key, armored. */
  publicKey: string;
}

interface Entry extends ArchiveKey {
  secret: string;
}

const RETIRING = 'retiring';
const RETIRED = 'retired';

/**
 * The archive keys of the instance, in `<home>/keys`: the primary key in
 * `instance-key.asc` (generated on first start), keys still signing during a rotation's
 * transition in `retiring/<FPR>.asc` (with `<FPR>.json`: when they retire), and retired
 * keys in `retired/<FPR>.asc`, kept for backups. Secret keys are stored unprotected,
 * mode 0600: a passphrase given on import unlocks the key once and is not kept.
 * Every change is one atomic file write or rename; changes run one at a time.
 */
export class ArchiveKeys {
  private entries: Entry[] = [];
  private current: { signer: Signer; primary: Signer } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: InstanceKeyOptions) {}

  static async open(
    options: InstanceKeyOptions,
  ): Promise<{ keys: ArchiveKeys; generated: boolean }> {
    const keys = new ArchiveKeys(options);
    const opened = await openInstanceKey(options);
    await keys.load();
    return { keys, generated: opened.generated };
  }

  /** Every key, the primary first, then retiring, then retired ones. */
  list(): ArchiveKey[] {
    return this.entries.map(({ secret: _secret, ...key }) => key);
  }

  /**
   * Signs with the primary key and every retiring key whose time had not come when the
   * keys were last loaded (retireDue() moves the keys whose time has come).
   */
  signer(): Signer {
    if (!this.current) throw new Error('archive keys are not loaded');
    return this.current.signer;
  }

  /** The primary key alone (the daemon's own uploads are signed by one key). */
  primarySigner(): Signer {
    if (!this.current) throw new Error('archive keys are not loaded');
    return this.current.primary;
  }

  /** The primary key. */
  primary(): KeyInfo {
    return this.entries[0]!.info;
  }

  /**
   * Makes an armored secret key the primary key. The previous primary key keeps signing
   * until `retireAt` (null: until retired by hand), or retires at once with `replace`.
   */
  import(input: {
    armored: string;
    passphrase?: string;
    replace: boolean;
    retireAt: Date | null;
  }): Promise<KeyInfo> {
    return this.serial(async () => {
      const key = await unlockKey(await readSecretKey(input.armored), input.passphrase);
      const armored = key.armor();
      const info = await describeKey(key.toPublic());
      if (this.find(info.fingerprint)) {
        throw new ConflictError(`key ${info.fingerprint} is already an archive key of this daemon`);
      }
      await createSigner(armored, { clock: this.options.clock }); // it must be able to sign
      await this.promote(armored, input.replace ? 'retire' : input.retireAt);
      return info;
    });
  }

  /** Generates a new primary key; the previous one keeps signing until `retireAt` (null: by hand). */
  rotate(input: {
    algorithm: KeyAlgorithm;
    expires: Date | null;
    retireAt: Date | null;
  }): Promise<KeyInfo> {
    return this.serial(async () => {
      const now = this.options.clock.now();
      let armored = await generateSigningKey({
        algorithm: input.algorithm,
        userId: instanceUserId(this.options.identity),
        date: now,
      });
      if (input.expires) {
        armored = await extendKey(await readSecretKey(armored), input.expires, now);
      }
      await this.promote(armored, input.retireAt);
      return this.primary();
    });
  }

  /** A new expiry date (null: never) on a signing key, the same key; the primary by default. */
  extend(fingerprint: string | undefined, expires: Date | null): Promise<KeyInfo> {
    return this.serial(async () => {
      const entry = fingerprint ? this.get(fingerprint) : this.entries[0]!;
      if (entry.state === 'retired') {
        throw new InvalidInputError(`key ${entry.info.fingerprint} is retired; it signs nothing`);
      }
      const now = this.options.clock.now();
      if (expires && expires.getTime() <= now.getTime()) {
        throw new InvalidInputError(`the new expiry ${expires.toISOString()} is not in the future`);
      }
      const armored = await extendKey(await readSecretKey(entry.secret), expires, now);
      await writeFileAtomic(this.fileOf(entry), armored, { mode: 0o600 });
      await this.load();
      return this.get(entry.info.fingerprint).info;
    });
  }

  /** Stops a retiring key from signing now. */
  retire(fingerprint: string): Promise<KeyInfo> {
    return this.serial(async () => {
      const entry = this.get(fingerprint);
      if (entry.state !== 'retiring') {
        throw new InvalidInputError(
          `key ${entry.info.fingerprint} is ${entry.state}; only a retiring key (the previous key of a rotation) can be retired`,
        );
      }
      await this.moveToRetired(entry.info.fingerprint);
      await this.load();
      return entry.info;
    });
  }

  /** Retires the retiring keys whose date has come; returns them. */
  retireDue(): Promise<KeyInfo[]> {
    return this.serial(async () => {
      const now = this.options.clock.now().getTime();
      const due = this.entries.filter((e) => e.state === 'retiring' && isDue(e, now));
      for (const entry of due) await this.moveToRetired(entry.info.fingerprint);
      if (due.length > 0) await this.load();
      return due.map((e) => e.info);
    });
  }

  /** The armored secret key (a backup), protected by `passphrase` when given. */
  async exportSecret(fingerprint: string | undefined, passphrase?: string): Promise<string> {
    const entry = fingerprint ? this.get(fingerprint) : this.entries[0]!;
    if (!passphrase) return entry.secret;
    const key = await readSecretKey(entry.secret);
    return (await openpgp.encryptKey({ privateKey: key, passphrase })).armor();
  }

  private find(fingerprint: string): Entry | undefined {
    const wanted = fingerprint.replace(/\s+/g, '').toUpperCase();
    return this.entries.find(
      (e) =>
        e.info.fingerprint === wanted ||
        (wanted.length >= 16 && e.info.fingerprint.endsWith(wanted)),
    );
  }

  private get(fingerprint: string): Entry {
    const entry = this.find(fingerprint);
    if (!entry) throw new NotFoundError(`no archive key ${fingerprint}; see: debyard archive-keys`);
    return entry;
  }

  /** The old primary goes to retiring/ (or retired/), then the new key takes its file. */
  private async promote(armored: string, retireAt: Date | null | 'retire'): Promise<void> {
    const old = this.entries[0]!;
    const fpr = old.info.fingerprint;
    const folder = path.join(this.options.dir, retireAt === 'retire' ? RETIRED : RETIRING);
    await fs.mkdir(folder, { recursive: true, mode: 0o700 });
    if (retireAt !== 'retire') {
      const state = { retireAt: retireAt ? retireAt.toISOString() : null };
      await writeFileAtomic(path.join(folder, `${fpr}.json`), `${JSON.stringify(state)}\n`);
    }
    await writeFileAtomic(path.join(folder, `${fpr}.asc`), old.secret, { mode: 0o600 });
    await writeFileAtomic(path.join(this.options.dir, INSTANCE_KEY_FILE), armored, { mode: 0o600 });
    await this.load();
  }

  private async moveToRetired(fingerprint: string): Promise<void> {
    const from = path.join(this.options.dir, RETIRING);
    const to = path.join(this.options.dir, RETIRED);
    await fs.mkdir(to, { recursive: true, mode: 0o700 });
    await fs.rename(path.join(from, `${fingerprint}.asc`), path.join(to, `${fingerprint}.asc`));
    await fs.rm(path.join(from, `${fingerprint}.json`), { force: true });
  }

  private fileOf(entry: Entry): string {
    const { dir } = this.options;
    if (entry.state === 'primary') return path.join(dir, INSTANCE_KEY_FILE);
    return path.join(
      dir,
      entry.state === 'retiring' ? RETIRING : RETIRED,
      `${entry.info.fingerprint}.asc`,
    );
  }

  private async load(): Promise<void> {
    const secret = await fs.readFile(path.join(this.options.dir, INSTANCE_KEY_FILE), 'utf8');
    const primary: Entry = { ...(await infoOf(secret)), state: 'primary', retireAt: null, secret };
    const entries: Entry[] = [primary];
    for (const state of ['retiring', 'retired'] as const) {
      for (const entry of await this.folder(state)) {
        // A crash between the two writes of promote() leaves the primary in retiring/ too.
        if (!entries.some((e) => e.info.fingerprint === entry.info.fingerprint))
          entries.push(entry);
      }
    }
    const now = this.options.clock.now().getTime();
    const signing = entries.filter(
      (e) =>
        e.state === 'primary' ||
        (e.state === 'retiring' && !isDue(e, now) && !isExpired(e.info, new Date(now))),
    );
    const signer = await createSigner(
      signing.map((e) => e.secret),
      { clock: this.options.clock },
    );
    this.entries = entries;
    this.current = {
      signer,
      primary: signing.length === 1 ? signer : await createSigner(secret, this.options),
    };
  }

  private async folder(state: 'retiring' | 'retired'): Promise<Entry[]> {
    const dir = path.join(this.options.dir, state);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const entries: Entry[] = [];
    for (const name of names.filter((n) => n.endsWith('.asc')).sort()) {
      const secret = await fs.readFile(path.join(dir, name), 'utf8');
      let retireAt: Date | null = null;
      if (state === 'retiring') {
        const json = await fs
          .readFile(path.join(dir, name.replace(/\.asc$/, '.json')), 'utf8')
          .catch(() => '{}');
        const at = (JSON.parse(json) as { retireAt?: string | null }).retireAt;
        retireAt = at ? new Date(at) : null;
      }
      entries.push({ ...(await infoOf(secret)), state, retireAt, secret });
    }
    return entries;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function isDue(entry: ArchiveKey, now: number): boolean {
  return entry.retireAt !== null && entry.retireAt.getTime() <= now;
}

async function infoOf(secret: string): Promise<{ info: KeyInfo; publicKey: string }> {
  const key = (await readSecretKey(secret)).toPublic();
  return { info: await describeKey(key), publicKey: key.armor() };
}
