import type { ArchivePackagesRepository } from '../../db/archive-packages-repository.js';
import type { StoredEvent } from '../../events/event.js';
import type { EventLog } from '../../events/event-log.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { ArchiveConfig, ResolvedDistribution } from '../archive-config.js';
import { TouchedIndices } from './touched.js';
import type { ArchiveWriter } from './writer.js';

export interface ChangeKitDeps {
  config: ArchiveConfig;
  /** Runs a synchronous function in one write transaction. */
  transaction: <T>(fn: () => T) => T;
  packages: ArchivePackagesRepository;
  writer: ArchiveWriter;
  events: EventLog;
}

/** What an archive change did to one source in one distribution. */
export interface ChangeResult {
  source: string;
  version: string;
  distribution: string;
  /** False when the archive already held exactly this (installs are idempotent). */
  changed: boolean;
}

/** A chain's source ids, suite first: undefined where a distribution does not hold the source. */
export type ChainIds = (number | undefined)[];

/**
 * What every change shares: resolving a target, reading and rewriting a suite's rollback
 * chain, and committing in one transaction with the events published after the commit.
 */
export class ChangeKit {
  constructor(private readonly deps: ChangeKitDeps) {}

  /** A suite distribution changes may target (never a rollback). */
  suiteTarget(name: string, what: string): ResolvedDistribution {
    const target = this.deps.config.resolve(name);
    if (target.rollback !== null) {
      const suite = name.replace(/-rollback\d+$/, '');
      throw new InvalidInputError(
        `cannot ${what} into the rollback distribution ${name} directly; rollbacks are filled by installing into ${suite}`,
      );
    }
    return target;
  }

  chainIds(chain: readonly string[], source: string): ChainIds {
    return chain.map((d) => this.deps.packages.placement(d, source)?.sourceId);
  }

  /**
   * Rewrites the placements of `source` along a chain from `current` to `next`, and
   * forgets the versions no distribution holds any more. Runs inside `commit`.
   */
  applyChain(
    repository: string,
    chain: readonly string[],
    source: string,
    current: ChainIds,
    next: ChainIds,
    touched: TouchedIndices,
  ): void {
    const { writer } = this.deps;
    chain.forEach((dist, i) => {
      if (next[i] === current[i]) return;
      if (next[i] === undefined) writer.unplace({ name: dist, repository }, source, touched);
      else writer.place({ name: dist, repository }, source, next[i]!, touched);
    });
    writer.dropUnplaced(current.filter((c): c is number => c !== undefined));
  }

  commit<T>(fn: (touched: TouchedIndices, events: StoredEvent[]) => T): {
    value: T;
    dists: string[];
  } {
    const touched = new TouchedIndices();
    const events: StoredEvent[] = [];
    const value = this.deps.transaction(() => {
      const result = fn(touched, events);
      this.deps.writer.commitTouched(touched, (d) => this.deps.config.resolve(d).repository.id);
      return result;
    });
    for (const event of events) this.deps.events.publish(event);
    return { value, dists: touched.dists };
  }
}
