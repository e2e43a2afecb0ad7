import { rm } from 'node:fs/promises';
import path from 'node:path';
import { inTransaction, type Db } from '../../db/database.js';
import type { MirrorRecord, MirrorsRepository } from '../../db/mirrors-repository.js';
import type { EventLog } from '../../events/event-log.js';
import type { EventInput } from '../../events/event.js';
import { readPublicKeys } from '../../pgp/read-keys.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, describeError, InvalidInputError } from '../../shared/errors.js';
import type { ArchiveAdmin } from '../archive-admin.js';
import type { ArchiveConfig } from '../archive-config.js';
import type { Archive } from '../archive.js';
import { defaultCodeversion } from '../model/codeversion.js';
import { distributionSpec } from '../model/repository.js';
import { suiteRelease, treeReader } from '../remote-tree/published-tree.js';
import type { FileGet } from './http-get.js';
import { updateMirror } from './mirror-update.js';
import { parsePackageQuery } from './package-query.js';

/** What an admin gives to add a mirror. */
export interface NewMirror {
  name: string;
  url: string;
  suites: string[];
  components: string[];
  /** `source` among them: source packages too. */
  architectures: string[];
  /** Source packages too (as `source` among the architectures; aptly's -with-sources). */
  sources?: boolean;
  filter?: string;
  withDeps: boolean;
  recommends: boolean;
  /** The armored (or binary) public key its Release files are signed with. */
  key?: string;
  unsigned: boolean;
}

/** A mirror as listed: the key by its fingerprints, and where apt finds it. */
export type MirrorView = Omit<MirrorRecord, 'armoredKey'> & { distributions: string[] };

export interface MirrorsDeps {
  db: Db;
  store: MirrorsRepository;
  config: Pick<
    ArchiveConfig,
    'layouts' | 'installBuiltinLayout' | 'createRepository' | 'hasRepository'
  >;
  archive: Pick<Archive, 'install' | 'remove'>;
  admin: Pick<ArchiveAdmin, 'deleteRepository'>;
  events: EventLog;
  clock: Clock;
  fetch: typeof fetch;
  /** How pool files are fetched (default: over `fetch`). */
  get?: FileGet;
  /** `<home>/mirrors`: one download cache per mirror. */
  cacheRoot: string;
}

/** The layout of a mirror's repository: one suite, nothing uploaded to it. */
export const MIRROR_LAYOUT = 'mirror';
const MIRROR_SUITE = 'mirror';

/**
 * Mirrors (aptly's workflow): a local copy of part of an apt repository outside, checked
 * as apt checks it, published by the daemon as its own signed repository of the same name
 * (`/repos/<name>/`, a distribution `<suite>-<name>-mirror` per mirrored suite), so apt
 * installs from it, builds can use it as an extra source and snapshots can be taken of it.
 * Each add, update (with progress) and removal is a MIRROR event.
 */
export class Mirrors {
  private readonly running = new Set<string>();

  constructor(private readonly deps: MirrorsDeps) {}

  list(): MirrorView[] {
    return this.deps.store.list().map((m) => this.view(m));
  }

  async add(input: NewMirror, signal?: AbortSignal): Promise<MirrorView> {
    const { config, store } = this.deps;
    if (input.unsigned === (input.key !== undefined)) {
      throw new InvalidInputError(
        input.unsigned
          ? 'an unsigned mirror takes no key; give either --key or --unsigned'
          : 'give the key the repository is signed with (--key), or mark it --unsigned explicitly',
      );
    }
    if (input.filter !== undefined) parsePackageQuery(input.filter);
    if (input.withDeps && input.filter === undefined) {
      throw new InvalidInputError('--with-deps follows the dependencies of a --filter; give one');
    }
    if (store.find(input.name)) throw new ConflictError(`there is a mirror ${input.name} already`);
    if (config.hasRepository(input.name)) {
      throw new ConflictError(
        `there is a repository ${input.name} already; a mirror is published as a repository of its own name`,
      );
    }
    const codenames = input.suites.map(codenameOf);
    if (new Set(codenames).size !== codenames.length) {
      throw new InvalidInputError(
        `the suites ${input.suites.join(', ')} would share a distribution`,
      );
    }
    const architectures = [
      ...new Set([...input.architectures, ...(input.sources ? ['source'] : [])]),
    ];
    const binaryArchitectures = architectures.filter((a) => a !== 'source');
    if (binaryArchitectures.length === 0) {
      throw new InvalidInputError('give at least one binary architecture besides source');
    }
    const keys = input.key ? await readPublicKeys(input.key) : [];
    const armoredKey = keys.length > 0 ? keys.map((k) => k.armor()).join('\n') : null;
    const url = input.url.endsWith('/') ? input.url : `${input.url}/`;
    // Checked as the updates will: each suite's Release, signed, with these components.
    const read = treeReader(url, this.deps.fetch, signal);
    for (const suite of input.suites) {
      const release = await suiteRelease(read, suite, armoredKey);
      const missing = input.components.filter((c) => !release.components.includes(c));
      if (missing.length > 0) {
        throw new InvalidInputError(
          `suite ${suite} of ${url} has no component ${missing.join(', ')} (its Release lists: ${release.components.join(', ') || 'none'})`,
        );
      }
    }
    if (!config.layouts().some((l) => l.name === MIRROR_LAYOUT)) {
      config.installBuiltinLayout({
        name: MIRROR_LAYOUT,
        suites: [
          {
            name: MIRROR_SUITE,
            uploadable: false,
            experimental: false,
            migratesTo: null,
            rollbacks: 0,
            notAutomatic: false,
            butAutomaticUpgrades: false,
          },
        ],
      });
    }
    config.createRepository({
      id: input.name,
      description: `Mirror of ${url} (${input.suites.join(' ')})`,
      layout: MIRROR_LAYOUT,
      allowUnsigned: false,
      distributions: codenames.map((codename) =>
        distributionSpec({
          codename,
          architectures: binaryArchitectures,
          components: input.components,
          codeversion: defaultCodeversion(codename) ?? 'mirror',
        }),
      ),
    });
    const record = {
      name: input.name,
      url,
      suites: input.suites,
      components: input.components,
      architectures,
      filter: input.filter ?? null,
      withDeps: input.withDeps,
      recommends: input.recommends,
      armoredKey,
      keyFingerprints: keys.map((k) => k.getFingerprint().toUpperCase()),
      unsigned: input.unsigned,
      createdAt: this.deps.clock.now().toISOString(),
    };
    this.transact(() => store.insert(record), {
      message: `mirror ${record.name} of ${url} (${record.suites.join(' ')}) added`,
      details: { mirror: record.name, action: 'added' },
    });
    return this.view(store.get(input.name));
  }

  /** Updates a mirror; a failure is recorded (state failed, why) and thrown. */
  async update(name: string, signal?: AbortSignal): Promise<MirrorView> {
    const { store } = this.deps;
    const mirror = store.get(name);
    if (this.running.has(name)) throw new ConflictError(`mirror ${name} is being updated already`);
    this.running.add(name);
    const started = this.deps.clock.now().getTime();
    try {
      const result = await updateMirror(
        {
          archive: this.deps.archive,
          fetch: this.deps.fetch,
          ...(this.deps.get && { get: this.deps.get }),
          cacheDir: this.cacheDir(name),
          previous: store.sources(name),
          distributionOf: (suite) => distributionOf(name, suite),
          progress: (event) => this.deps.events.emit({ type: 'MIRROR', ...event }),
        },
        mirror,
        signal,
      );
      const seconds = (this.deps.clock.now().getTime() - started) / 1000;
      const { counts } = result;
      this.transact(
        () => {
          store.replaceSources(name, result.sources);
          store.finish(name, { at: this.now(), state: 'ok', error: null, counts });
        },
        {
          message: `mirror ${name} updated: ${counts.packages} packages, ${counts.fetched} files fetched (${counts.fetchedBytes} bytes), ${counts.installed} sources installed, ${counts.removed} removed in ${seconds.toFixed(1)} s`,
          details: { mirror: name, action: 'updated', ...counts, seconds },
        },
      );
    } catch (error) {
      const reason = describeError(error);
      this.transact(() => store.finish(name, { at: this.now(), state: 'failed', error: reason }), {
        message: `mirror ${name} not updated (it stays as it was): ${reason}`,
        details: { mirror: name, action: 'failed', reason },
      });
      throw error;
    } finally {
      this.running.delete(name);
    }
    return this.view(store.get(name));
  }

  /** Removes a mirror, its repository (published tree included) and its download cache. */
  async remove(name: string, signal?: AbortSignal): Promise<MirrorView> {
    const mirror = this.deps.store.get(name);
    if (this.running.has(name)) throw new ConflictError(`mirror ${name} is being updated`);
    this.running.add(name);
    try {
      for (const s of this.deps.store.sources(name)) {
        await this.deps.archive.remove(s.distribution, s.source, signal);
      }
      this.deps.store.replaceSources(name, []);
      if (this.deps.config.hasRepository(name)) await this.deps.admin.deleteRepository(name);
      await rm(this.cacheDir(name), { recursive: true, force: true });
      this.transact(() => this.deps.store.remove(name), {
        message: `mirror ${name} removed`,
        details: { mirror: name, action: 'removed' },
      });
    } finally {
      this.running.delete(name);
    }
    return this.view(mirror);
  }

  private cacheDir(name: string): string {
    return path.join(this.deps.cacheRoot, name);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private transact(fn: () => void, event: Omit<EventInput, 'type'>): void {
    const stored = inTransaction(this.deps.db, () => {
      fn();
      return this.deps.events.record({ type: 'MIRROR', ...event });
    });
    this.deps.events.publish(stored);
  }

  private view(record: MirrorRecord): MirrorView {
    const { armoredKey: _key, ...rest } = record;
    return { ...rest, distributions: record.suites.map((s) => distributionOf(record.name, s)) };
  }
}

/** A suite's codename in the mirror's repository: its letters and digits (bookworm-updates → bookwormupdates). */
export function codenameOf(suite: string): string {
  const codename = suite.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!/^[a-z][a-z0-9]{1,31}$/.test(codename)) {
    throw new InvalidInputError(
      `suite ${suite} cannot name a distribution (it needs 2-32 letters and digits, starting with a letter)`,
    );
  }
  return codename;
}

export function distributionOf(mirror: string, suite: string): string {
  return `${codenameOf(suite)}-${mirror}-${MIRROR_SUITE}`;
}
