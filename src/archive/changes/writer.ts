import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { ArchivePackagesRepository } from '../../db/archive-packages-repository.js';
import type { Clock } from '../../shared/clock.js';
import type { ResolvedDistribution } from '../archive-config.js';
import type { IncomingFile, PreparedSource } from '../packages/prepare.js';
import type { ArchiveFormats } from '../ports.js';
import { INSTALLED, planSource, type PoolFileStep, type SourcePlan } from './install-plan.js';
import { rollbackChain } from './rollback-chain.js';
import { indexPathsOf, type TouchedIndices } from './touched.js';

/** A change of more sources than this in a distribution does not record them one by one. */
const NAMED_SOURCES = 256;

export interface DistTarget {
  name: string;
  repository: string;
}

export interface WriterDeps {
  packages: ArchivePackagesRepository;
  index: ArchiveIndexRepository;
  formats: ArchiveFormats;
  clock: Clock;
  /** The architectures of a distribution (from the configuration). */
  architecturesOf: (dist: string) => readonly string[];
}

/**
 * The synchronous steps of a change, run inside one database transaction: an install's
 * plan and its application; placing and unplacing a version (copy, migrate, remove,
 * restore), and recording what the change touched.
 */
export class ArchiveWriter {
  constructor(private readonly deps: WriterDeps) {}

  /** The pool files a prepared source would clash with (same path, other content). */
  poolConflicts(repository: string, files: readonly IncomingFile[]): string[] {
    return files
      .filter((f) => {
        const existing = this.deps.packages.findPoolFile(repository, f.poolPath);
        return existing !== undefined && existing.sha256 !== f.digests.sha256;
      })
      .map(
        (f) =>
          `pool file ${f.poolPath} already exists with other content (sha256 ${this.deps.packages.findPoolFile(repository, f.poolPath)!.sha256.slice(0, 16)}…, the new one has ${f.digests.sha256.slice(0, 16)}…); a file name is never reused with different content`,
      );
  }

  /**
   * Installs prepared sources into a suite, one after the other: checks the upload rules
   * (`checkUploadVersion`), plans the source (install-plan.ts), then writes its row, pool
   * files, .dsc and binaries, the chain's placements and releases, and the versions it
   * drops; `installed` runs after each source's writes (its event). Planned and written
   * source by source, a bulk's plans do not pile up in memory. Runs in one transaction.
   */
  install(
    target: ResolvedDistribution,
    sources: readonly PreparedSource[],
    checkUploadVersion: (p: PreparedSource) => void,
    touched: TouchedIndices,
    installed: (source: SourcePlan) => void,
  ): void {
    const { packages, index, clock } = this.deps;
    const repository = target.repository.id;
    const chain = rollbackChain(target);
    for (const next of sources) {
      checkUploadVersion(next);
      const source = planSource(this.deps, repository, chain, next);
      const { prepared } = source;
      const sourceId =
        source.existingId ??
        packages.insertSource(
          {
            repository,
            name: prepared.name,
            version: prepared.version,
            component: prepared.component,
            stanza: null,
            digest: null,
          },
          clock.now(),
        );
      if (source.dsc) {
        const files = source.dsc.files.map((f) => this.applyPoolFile(repository, f));
        packages.addSourceFiles(
          sourceId,
          files.map((f) => f.id),
        );
        if (source.dsc.setStanza) {
          packages.setSourceStanza(sourceId, source.dsc.stanza, source.dsc.digest);
        }
      }
      for (const { binary, file } of source.binaries) {
        packages.insertBinary({
          sourceId,
          package: binary.package,
          version: binary.version,
          architecture: binary.architecture,
          fileId: this.applyPoolFile(repository, file).id,
          ...binary.index,
        });
      }
      for (const { dist, paths } of source.extensionTouches) {
        touched.add(dist, paths, prepared.name);
      }
      for (const step of source.chain) {
        if (step.next === undefined) {
          packages.deletePlacement(step.dist, prepared.name);
        } else {
          const id = step.next === INSTALLED ? sourceId : step.next;
          packages.setPlacement(step.dist, repository, prepared.name, id, clock.now());
          touched.add(step.dist, step.nextIndices, prepared.name);
        }
        if (step.released) {
          touched.add(step.dist, step.released.indices, prepared.name);
          index.ensureDist(step.dist, repository);
          index.recordRelease(step.released.files, step.dist, step.released.revision);
        }
      }
      for (const id of source.drop)
        packages.markUnreferenced(packages.deleteSource(id), clock.now());
      installed(source);
    }
  }

  /**
   * Makes `sourceId` the version of `sourceName` in `dist` and returns the version it
   * replaced (or undefined). Changes nothing when it is there already.
   */
  place(dist: DistTarget, sourceName: string, sourceId: number, touched: TouchedIndices) {
    const { packages } = this.deps;
    const current = packages.placement(dist.name, sourceName);
    if (current?.sourceId === sourceId) return { replaced: undefined, changed: false };
    packages.setPlacement(dist.name, dist.repository, sourceName, sourceId, this.deps.clock.now());
    touched.add(dist.name, this.indicesOf(sourceId, dist), sourceName);
    if (current) this.released(current.sourceId, dist, sourceName, touched);
    return { replaced: current?.sourceId, changed: true };
  }

  /** Removes `sourceName` from `dist`; returns the source id that was there. */
  unplace(dist: DistTarget, sourceName: string, touched: TouchedIndices): number | undefined {
    const current = this.deps.packages.placement(dist.name, sourceName);
    if (!current) return undefined;
    this.deps.packages.deletePlacement(dist.name, sourceName);
    this.released(current.sourceId, dist, sourceName, touched);
    return current.sourceId;
  }

  /** Forgets source versions no distribution holds any more; returns how many. */
  dropUnplaced(sourceIds: Iterable<number>): number {
    const { packages, clock } = this.deps;
    let dropped = 0;
    for (const id of new Set(sourceIds)) {
      if (packages.isPlaced(id)) continue;
      packages.markUnreferenced(packages.deleteSource(id), clock.now());
      dropped++;
    }
    return dropped;
  }

  /** Bumps the revision of every touched distribution and marks its indices dirty. */
  commitTouched(touched: TouchedIndices, repositoryOf: (dist: string) => string): void {
    for (const [dist, paths] of touched.byDist) {
      // A big change (a bulk) is listed whole at its publish anyway: no row per source.
      const named = touched.sourcesByDist.get(dist);
      const sources = named && named.size <= NAMED_SOURCES ? named : undefined;
      this.deps.index.markChanged(dist, repositoryOf(dist), paths, sources);
    }
  }

  private released(
    sourceId: number,
    dist: DistTarget,
    sourceName: string,
    touched: TouchedIndices,
  ): void {
    touched.add(dist.name, this.indicesOf(sourceId, dist), sourceName);
    const files = [
      ...this.deps.packages.sourceFiles(sourceId).map((f) => f.id),
      ...this.deps.packages.binaries(sourceId).map((b) => b.fileId),
    ];
    const revision = (this.deps.index.dist(dist.name)?.revision ?? 0) + 1;
    this.deps.index.ensureDist(dist.name, dist.repository);
    this.deps.index.recordRelease(files, dist.name, revision);
  }

  private indicesOf(sourceId: number, dist: DistTarget): string[] {
    const source = this.deps.packages.source(sourceId);
    const archs = this.deps.packages.binaries(sourceId).map((b) => b.architecture);
    const distArchs = this.deps.architecturesOf(dist.name);
    return indexPathsOf(source.component, source.stanza !== null, archs, distArchs);
  }

  private applyPoolFile(repository: string, step: PoolFileStep): { id: number } {
    const { packages } = this.deps;
    if (step.existing) {
      packages.setReferenced([step.existing.id]);
      return step.existing;
    }
    const record = { repository, path: step.file.poolPath, ...step.file.digests };
    return { id: packages.insertPoolFile(record, this.deps.clock.now()) };
  }
}
