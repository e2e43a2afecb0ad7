import type { Key } from 'openpgp';
import type { ExtraSourcesRepository } from '../../db/extra-sources-repository.js';
import type { ExtraSourceRecord } from './extra-source-records.js';
import { inTransaction, type Db } from '../../db/database.js';
import type { EventLog } from '../../events/event-log.js';
import type { StoredEvent } from '../../events/event.js';
import { readPublicKeys } from '../../pgp/read-keys.js';
import type { Clock } from '../../shared/clock.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
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

/** What an update of an extra source changes; what is not given stays. */
export type ExtraSourceChange = Partial<Omit<NewExtraSource, 'name' | 'auth'>> & {
  auth?: { login: string; password: string };
};

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
    const record = await this.checked(
      {
        name: input.name,
        url: input.url,
        suites: input.suites,
        components: input.components,
        distributions: input.distributions,
        unsigned: input.unsigned,
        priority: input.priority,
        auth: input.auth ?? null,
        createdAt: this.deps.clock.now().toISOString(),
      },
      input.key ? await readPublicKeys(input.key) : [],
      signal,
    );
    const url = record.url;
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

  /**
   * Changes what `change` gives of source `name` and keeps the rest; the source as changed
   * is checked as `add` checks it (with the new key, or its own) before anything is stored.
   */
  async update(
    name: string,
    change: ExtraSourceChange,
    signal?: AbortSignal,
  ): Promise<ExtraSourceView> {
    const current = this.deps.store.find(name);
    if (!current) {
      throw new NotFoundError(`there is no extra source ${name} (debyard apt-sources lists them)`);
    }
    if (change.unsigned === true && change.key !== undefined) {
      throw new InvalidInputError(
        'an unsigned source takes no key; give either --key or --unsigned',
      );
    }
    const unsigned = change.unsigned ?? (change.key !== undefined ? false : current.unsigned);
    if (!unsigned && change.key === undefined && current.armoredKey === null) {
      throw new InvalidInputError(
        `extra source ${name} is unsigned; give the key it is signed with now (--key), or keep it --unsigned`,
      );
    }
    const distributions = change.distributions ?? current.distributions;
    for (const distribution of distributions) this.deps.checkDistribution(distribution);
    const keyText = unsigned ? undefined : (change.key ?? current.armoredKey!);
    const record = await this.checked(
      {
        name,
        url: change.url ?? current.url,
        suites: change.suites ?? current.suites,
        components: change.components ?? current.components,
        distributions,
        unsigned,
        priority: change.priority ?? current.priority,
        auth: change.auth ?? current.auth,
        createdAt: current.createdAt,
      },
      keyText ? await readPublicKeys(keyText) : [],
      signal,
    );
    const changed = describeChange(current, record);
    this.transact(() => {
      this.deps.store.update(record);
      return this.deps.events.record({
        type: 'SOURCE',
        message: `extra source ${name} updated: ${changed || 'nothing changed, checked again'}`,
        details: { action: 'updated', name, distributions: record.distributions },
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

  /** The record of `source` once its Release files checked out as apt will check them. */
  private async checked(
    source: Omit<ExtraSourceRecord, 'armoredKey' | 'keyFingerprints' | 'origin'>,
    keys: readonly Key[],
    signal?: AbortSignal,
  ): Promise<ExtraSourceRecord> {
    const url = source.url.endsWith('/') ? source.url : `${source.url}/`;
    const authorization = source.auth
      ? `Basic ${Buffer.from(`${source.auth.login}:${source.auth.password}`).toString('base64')}`
      : undefined;
    const facts = await checkRelease({
      url,
      suites: source.suites,
      components: source.components,
      keys,
      authorization,
      fetch: this.deps.fetch,
      signal,
    });
    return {
      ...source,
      url,
      armoredKey: keys.length > 0 ? keys.map((k) => k.armor()).join('\n') : null,
      keyFingerprints: keys.map((k) => k.getFingerprint().toUpperCase()),
      origin: facts.origin,
    };
  }

  private transact(fn: () => StoredEvent): void {
    const event = inTransaction(this.deps.db, fn);
    this.deps.events.publish(event);
  }
}

/** What an update changed, for its event: "priority 500 → 600; key …". */
function describeChange(before: ExtraSourceRecord, after: ExtraSourceRecord): string {
  const shown = (r: ExtraSourceRecord) => ({
    url: r.url,
    suites: r.suites.join(' '),
    components: r.components.join(' '),
    distributions: r.distributions.join(', '),
    priority: String(r.priority),
    key: r.unsigned ? 'unsigned' : r.keyFingerprints.join(', '),
    login: r.auth?.login ?? 'none',
  });
  const [was, now] = [shown(before), shown(after)];
  const password = before.auth?.password !== after.auth?.password ? ['password changed'] : [];
  return (Object.keys(was) as (keyof typeof was)[])
    .filter((field) => was[field] !== now[field])
    .map((field) => `${field} ${was[field]} → ${now[field]}`)
    .concat(password)
    .join('; ');
}

function view(record: ExtraSourceRecord): ExtraSourceView {
  const { armoredKey: _key, auth, ...rest } = record;
  return { ...rest, auth: auth ? auth.login : null };
}
