import type { ArchivePackagesRepository } from '../db/archive-packages-repository.js';
import type { EventLog } from '../events/event-log.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors.js';
import type { ArchiveConfig, ResolvedDistribution } from './archive-config.js';
import type { ChangeKit, ChangeResult } from './changes/change-kit.js';
import { restoreChain, retireChain, rollbackChain, shiftChain } from './changes/rollback-chain.js';
import type { KeyedLock } from './keyed-lock.js';
import { findSuite, migrationChain } from './model/layout.js';
import type { ArchiveFormats } from './ports.js';

/** A removal, with the rollback distribution that keeps the version (null: gone). */
export interface RemoveResult extends ChangeResult {
  keptIn: string | null;
}

export interface ArchiveMovesDeps {
  config: ArchiveConfig;
  packages: ArchivePackagesRepository;
  kit: ChangeKit;
  formats: Pick<ArchiveFormats, 'compareVersions'>;
  locks: KeyedLock;
  publish: (dists: string[], signal?: AbortSignal) => Promise<void>;
  events: EventLog;
  /** Why a version may not migrate into a suite (its tests: see test-gate.ts); none: no gate. */
  migrationGate?: (source: string, version: string, target: ResolvedDistribution) => string[];
}

/** How a migration goes past the test gate: `force` (an admin's) overrides it, recorded. */
export interface MigrateOptions {
  full?: boolean;
  force?: boolean;
  /** Who migrates (recorded with a forced migration). */
  by?: string;
}

/**
 * Changes that move versions the archive holds already: copy and migrate between suites,
 * remove (into the rollbacks or for good), restore from a rollback. Each checks under the
 * distributions' locks, commits in one transaction, then publishes.
 */
export class ArchiveMoves {
  constructor(private readonly deps: ArchiveMovesDeps) {}

  /** Copies the version of `source` in `from` into the suite `to` (rollback shift applies). */
  async copy(
    from: string,
    source: string,
    to: string,
    signal?: AbortSignal,
    migration?: MigrateOptions,
  ): Promise<ChangeResult> {
    const origin = this.deps.config.resolve(from);
    const target = this.deps.kit.suiteTarget(to, 'copy');
    if (origin.repository.id !== target.repository.id) {
      throw new InvalidInputError(
        `${from} and ${to} are in different repositories; copy only within one repository`,
      );
    }
    const chain = rollbackChain(target);
    return this.locked([from, ...chain], signal, () => {
      const placed = this.deps.packages.placement(from, source);
      if (!placed) throw new NotFoundError(`${from} has no source package ${source}`);
      const current = this.deps.packages.placement(to, source);
      if (current?.sourceId === placed.sourceId) {
        throw new ConflictError(`${source} ${placed.version} is in ${to} already`);
      }
      if (current && this.deps.formats.compareVersions(placed.version, current.version) <= 0) {
        throw new ConflictError(
          `${source} ${placed.version} from ${from} is not higher than ${current.version} in ${to}`,
        );
      }
      const refusals = migration
        ? (this.deps.migrationGate?.(source, placed.version, target) ?? [])
        : [];
      if (refusals.length > 0 && !migration?.force) {
        throw new ConflictError(
          `${source} ${placed.version} cannot migrate to ${to}: ${refusals.join('; ')} (an admin may override with --force)`,
        );
      }
      const forced = refusals.length > 0;
      return this.deps.kit.commit((touched, events) => {
        const ids = this.deps.kit.chainIds(chain, source);
        const { next } = shiftChain(ids, placed.sourceId);
        this.deps.kit.applyChain(target.repository.id, chain, source, ids, next, touched);
        events.push(
          this.deps.events.record({
            type: 'MIGRATED',
            message: forced
              ? `${source} ${placed.version} migrated from ${from} to ${to}, forced by ${migration?.by ?? 'an admin'} past: ${refusals.join('; ')}`
              : `${source} ${placed.version} copied from ${from} to ${to}`,
            source,
            version: placed.version,
            distribution: to,
            details: forced
              ? { from, forced: true, by: migration?.by ?? null, overridden: refusals }
              : { from },
          }),
        );
        return { source, version: placed.version, distribution: to, changed: true };
      });
    });
  }

  /**
   * Migrates a source one step along its suite's `migratesTo`, or with `full` along the
   * whole chain (steps whose suite holds that version already are passed over).
   */
  async migrate(
    dist: string,
    source: string,
    signal?: AbortSignal,
    options: MigrateOptions = {},
  ): Promise<ChangeResult[]> {
    const origin = this.deps.config.resolve(dist);
    if (origin.rollback !== null) {
      throw new InvalidInputError(
        `${dist} is a rollback distribution; migrate from its suite, or restore the version into it`,
      );
    }
    const steps = migrationChain(origin.layout, origin.suite.name);
    if (steps.length === 0 || !findSuite(origin.layout, steps[0]!)) {
      throw new InvalidInputError(`suite ${origin.suite.name} does not migrate anywhere`);
    }
    const name = (suite: string) =>
      `${origin.distribution.codename}-${origin.repository.id}-${suite}`;
    if (!options.full) return [await this.copy(dist, source, name(steps[0]!), signal, options)];
    const placed = this.deps.packages.placement(dist, source);
    if (!placed) throw new NotFoundError(`${dist} has no source package ${source}`);
    const results: ChangeResult[] = [];
    let from = dist;
    for (const suite of steps) {
      const to = name(suite);
      if (this.deps.packages.placement(to, source)?.sourceId !== placed.sourceId) {
        results.push(await this.copy(from, source, to, signal, options));
      }
      from = to;
    }
    if (results.length === 0) {
      throw new ConflictError(
        `${source} ${placed.version} has migrated all the way already (to ${steps.map(name).join(', ')})`,
      );
    }
    return results;
  }

  /**
   * Removes a source (with its binaries) from a distribution. From a suite with
   * rollbacks, its version moves into rollback0 (and can be restored) unless
   * `intoRollback` is false; from a rollback, it is gone.
   */
  async remove(
    dist: string,
    source: string,
    signal?: AbortSignal,
    options: { intoRollback?: boolean } = {},
  ): Promise<RemoveResult> {
    const resolved = this.deps.config.resolve(dist);
    const keep =
      (options.intoRollback ?? false) && resolved.rollback === null && resolved.suite.rollbacks > 0;
    const chain = keep ? rollbackChain(resolved) : [dist];
    return this.locked(chain, signal, () => {
      const placed = this.deps.packages.placement(dist, source);
      if (!placed) throw new NotFoundError(`${dist} has no source package ${source}`);
      return this.deps.kit.commit((touched, events) => {
        const ids = this.deps.kit.chainIds(chain, source);
        const next = keep ? retireChain(ids).next : [undefined];
        this.deps.kit.applyChain(resolved.repository.id, chain, source, ids, next, touched);
        const kept = keep ? chain[1]! : null;
        events.push(
          this.deps.events.record({
            type: 'REMOVED',
            message: `${source} ${placed.version} removed from ${dist}${kept ? ` (kept in ${kept})` : ''}`,
            source,
            version: placed.version,
            distribution: dist,
            details: { rollback: kept },
          }),
        );
        return {
          source,
          version: placed.version,
          distribution: dist,
          changed: true,
          keptIn: kept,
        };
      });
    });
  }

  /**
   * Puts a version kept in a suite's rollbacks back into the suite: the newest rollback
   * (rollback0) by default, or the given version; `dist` may also name the rollback. The
   * suite's current version moves into rollback0.
   */
  async restore(
    dist: string,
    source: string,
    signal?: AbortSignal,
    options: { version?: string } = {},
  ): Promise<ChangeResult> {
    const resolved = this.deps.config.resolve(dist);
    const suiteName = dist.replace(/-rollback\d+$/, '');
    const suite = this.deps.config.resolve(suiteName);
    const chain = rollbackChain(suite);
    if (chain.length === 1) {
      throw new InvalidInputError(`suite ${suite.suite.name} keeps no rollbacks to restore from`);
    }
    return this.locked(chain, signal, () => {
      const wanted = this.pickRollback(suite, resolved, source, options.version);
      return this.deps.kit.commit((touched, events) => {
        const ids = this.deps.kit.chainIds(chain, source);
        const { next } = restoreChain(ids, wanted.sourceId);
        this.deps.kit.applyChain(suite.repository.id, chain, source, ids, next, touched);
        events.push(
          this.deps.events.record({
            type: 'MIGRATED',
            message: `${source} ${wanted.version} restored from ${wanted.distribution} to ${suiteName}`,
            source,
            version: wanted.version,
            distribution: suiteName,
            details: { from: wanted.distribution, restored: true },
          }),
        );
        return { source, version: wanted.version, distribution: suiteName, changed: true };
      });
    });
  }

  /** The rollback placement to restore, with a clear refusal when there is none. */
  private pickRollback(
    suite: ResolvedDistribution,
    asked: ResolvedDistribution,
    source: string,
    version: string | undefined,
  ) {
    const chain = rollbackChain(suite);
    const held = chain
      .slice(1)
      .map((d) => this.deps.packages.placement(d, source))
      .filter((p) => p !== undefined);
    const kept = held.map((p) => `${p.version} in ${p.distribution}`).join(', ') || 'none';
    const candidates = held.filter(
      (p) =>
        (asked.rollback === null || p.distribution === asked.name) &&
        (version === undefined || p.version === version),
    );
    const wanted = candidates[0];
    if (!wanted) {
      const what = version ? `${source} ${version}` : source;
      const where = asked.rollback === null ? `the rollbacks of ${suite.name}` : asked.name;
      throw new NotFoundError(`${where} hold no ${what} (rollbacks of ${source}: ${kept})`);
    }
    const current = this.deps.packages.placement(suite.name, source);
    if (current?.sourceId === wanted.sourceId) {
      throw new ConflictError(`${source} ${wanted.version} is in ${suite.name} already`);
    }
    return wanted;
  }

  private async locked<T>(
    dists: readonly string[],
    signal: AbortSignal | undefined,
    fn: () => { value: T; dists: string[] },
  ): Promise<T> {
    const result = await this.deps.locks.with(
      [...new Set(dists)].map((d) => `dist:${d}`),
      fn,
      signal,
    );
    await this.deps.publish(result.dists, signal);
    return result.value;
  }
}
