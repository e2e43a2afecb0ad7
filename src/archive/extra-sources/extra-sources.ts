import type { ExtraSourcesRepository } from '../../db/extra-sources-repository.js';
import type { ExtraSourceRecord } from './extra-source-records.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { EventLog } from '../../events/event-log.js';
import type { StoredEvent } from '../../events/event.js';
import { readPublicKeys } from '../../pgp/read-keys.js';
import type { Clock } from '../../shared/clock.js';
import { InvalidInputError } from '../../shared/errors.js';
import { checkRelease } from './release-check.js';

/** What an admin gives to add an extra source. */
export interface NewExtraSource {
  name: string;
  url: string;
  suites: string[];
  components: string[];
  distributions: string[];
  /** The armored (or binary) public key its Release files are signed with. */
  key?: string;
  /** Explicitly trust it without a signature (apt's `Trusted: yes`). */
  unsigned: boolean;
  priority: number;
  auth?: { login: string; password: string };
}

/** An extra source as listed: no password, the key by its fingerprints. */
export type ExtraSourceView = Omit<ExtraSourceRecord, 'auth' | 'armoredKey'> & {
  auth: string | null;
};

export interface ExtraSourcesDeps {
  db: Db;
  store: ExtraSourcesRepository;
  events: EventLog;
  clock: Clock;
  /** Throws when there is no such distribution. */
  checkDistribution(name: string): void;
  fetch: typeof fetch;
}

/**
 * apt repositories outside the daemon that builds of chosen distributions take build
 * dependencies from. Adding one checks it as apt will (its InRelease signed by exactly
 * the key given, the components there); each change is a SOURCE event.
 */
export class ExtraSources {
  constructor(private readonly deps: ExtraSourcesDeps) {}

  list(): ExtraSourceView[] {
    return this.deps.store.list().map(view);
  }

  /** The sources the builds of a distribution use. */
  forDistribution(distribution: string): ExtraSourceRecord[] {
    return this.deps.store.list().filter((s) => s.distributions.includes(distribution));
  }

  async add(input: NewExtraSource, signal?: AbortSignal): Promise<ExtraSourceView> {
    if (input.unsigned === (input.key !== undefined)) {
      throw new InvalidInputError(
        input.unsigned
          ? 'an unsigned source takes no key; give either --key or --unsigned'
          : 'give the key the source is signed with (--key), or mark it --unsigned explicitly',
      );
    }
    for (const distribution of input.distributions) this.deps.checkDistribution(distribution);
    if (this.deps.store.find(input.name)) {
      throw new InvalidInputError(`there is an extra source ${input.name} already`);
    }
    const keys = input.key ? await readPublicKeys(input.key) : [];
    const url = input.url.endsWith('/') ? input.url : `${input.url}/`;
    const authorization = input.auth
      ? `Basic ${Buffer.from(`${input.auth.login}:${input.auth.password}`).toString('base64')}`
      : undefined;
    const facts = await checkRelease({
      url,
      suites: input.suites,
      components: input.components,
      keys,
      authorization,
      fetch: this.deps.fetch,
      signal,
    });
    const record: ExtraSourceRecord = {
      name: input.name,
      url,
      suites: input.suites,
      components: input.components,
      distributions: input.distributions,
      armoredKey: keys.length > 0 ? keys.map((k) => k.armor()).join('\n') : null,
      keyFingerprints: keys.map((k) => k.getFingerprint().toUpperCase()),
      unsigned: input.unsigned,
      priority: input.priority,
      origin: facts.origin,
      auth: input.auth ?? null,
      createdAt: this.deps.clock.now().toISOString(),
    };
    this.transact(() => {
      this.deps.store.insert(record);
      return this.deps.events.record({
        type: 'SOURCE',
        message: `extra source ${record.name} (${url} ${record.suites.join(' ')}) added for ${record.distributions.join(', ')}`,
        details: { action: 'added', name: record.name, distributions: record.distributions },
      });
    });
    return view(record);
  }

  remove(name: string): ExtraSourceView {
    let removed: ExtraSourceRecord | undefined;
    this.transact(() => {
      removed = this.deps.store.remove(name);
      return this.deps.events.record({
        type: 'SOURCE',
        message: `extra source ${name} removed`,
        details: { action: 'removed', name, distributions: removed.distributions },
      });
    });
    return view(removed!);
  }

  private transact(fn: () => StoredEvent): void {
    const event = inTransaction(this.deps.db, fn);
    this.deps.events.publish(event);
  }
}

function view(record: ExtraSourceRecord): ExtraSourceView {
  const { armoredKey: _key, auth, ...rest } = record;
  return { ...rest, auth: auth ? auth.login : null };
}
