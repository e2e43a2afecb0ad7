import { hash } from 'node:crypto';
import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { ArchivePackagesRepository } from '../../db/archive-packages-repository.js';
import type { PoolFileRecord } from '../package-records.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError } from '../../shared/errors.js';
import type { IncomingFile, PreparedBinary, PreparedSource } from '../packages/prepare.js';
import { poolDirectory } from '../pool/pool-path.js';
import type { ArchiveFormats } from '../ports.js';
import { indexPathsOf, type TouchedIndices } from './touched.js';

export interface StoredSource {
  sourceId: number;
  /** The source version was not in the repository before. */
  created: boolean;
  /** Something (the .dsc, a binary) was added to an existing version. */
  extended: boolean;
}

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

const sha256 = (text: string) => hash('sha256', text, 'hex');

/**
 * The synchronous steps of a change, run inside one database transaction: storing a
 * source version, placing and unplacing it, and recording what the change touched.
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

  /** Stores a source version and its binaries, reusing what exists; idempotent. */
  storeSource(repository: string, prepared: PreparedSource, touched: TouchedIndices): StoredSource {
    const { packages, clock } = this.deps;
    const existing = packages.findSource(repository, prepared.name, prepared.version);
    if (existing && existing.component !== prepared.component) {
      throw new ConflictError(
        `${prepared.name} ${prepared.version} is in component ${existing.component} already, not ${prepared.component}`,
      );
    }
    const sourceId =
      existing?.id ??
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
    let extended = false;
    if (prepared.dsc) extended = this.storeDsc(repository, sourceId, prepared) || extended;
    const have = new Map(
      packages.binaries(sourceId).map((b) => [`${b.package} ${b.architecture}`, b]),
    );
    const added: string[] = [];
    for (const binary of prepared.binaries) {
      const old = have.get(`${binary.package} ${binary.architecture}`);
      if (old) {
        if (packages.poolFile(old.fileId).sha256 !== binary.file.digests.sha256) {
          throw new ConflictError(
            `${prepared.name} ${prepared.version} already has ${binary.package} for ${binary.architecture} with other content`,
          );
        }
        continue;
      }
      this.storeBinary(repository, sourceId, binary);
      added.push(binary.architecture);
    }
    extended ||= added.length > 0;
    if (existing && extended) {
      for (const p of packages.placementsOfSource(sourceId)) {
        const archs = this.deps.architecturesOf(p.distribution);
        touched.add(
          p.distribution,
          indexPathsOf(prepared.component, Boolean(prepared.dsc), added, archs),
        );
      }
    }
    return { sourceId, created: !existing, extended: Boolean(existing) && extended };
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
    touched.add(dist.name, this.indicesOf(sourceId, dist));
    if (current) this.released(current.sourceId, dist, touched);
    return { replaced: current?.sourceId, changed: true };
  }

  /** Removes `sourceName` from `dist`; returns the source id that was there. */
  unplace(dist: DistTarget, sourceName: string, touched: TouchedIndices): number | undefined {
    const current = this.deps.packages.placement(dist.name, sourceName);
    if (!current) return undefined;
    this.deps.packages.deletePlacement(dist.name, sourceName);
    this.released(current.sourceId, dist, touched);
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
      this.deps.index.markChanged(dist, repositoryOf(dist), paths);
    }
  }

  private released(sourceId: number, dist: DistTarget, touched: TouchedIndices): void {
    touched.add(dist.name, this.indicesOf(sourceId, dist));
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

  private storeDsc(repository: string, sourceId: number, prepared: PreparedSource): boolean {
    const dsc = prepared.dsc!;
    const files = [dsc.file, ...dsc.files].map((f) => this.poolFile(repository, f));
    const stanza = this.deps.formats.sourcesStanza(
      dsc.fields,
      poolDirectory(prepared.component, prepared.name),
      { name: files[0]!.path.split('/').pop()!, digests: files[0]! },
    );
    const digest = sha256(stanza);
    const source = this.deps.packages.source(sourceId);
    this.deps.packages.addSourceFiles(
      sourceId,
      files.map((f) => f.id),
    );
    if (source.digest === digest) return false;
    if (source.stanza !== null) {
      throw new ConflictError(
        `${prepared.name} ${prepared.version} is in the repository already with a different .dsc`,
      );
    }
    this.deps.packages.setSourceStanza(sourceId, stanza, digest);
    return true;
  }

  private storeBinary(repository: string, sourceId: number, binary: PreparedBinary): void {
    const file = this.poolFile(repository, binary.file);
    this.deps.packages.insertBinary({
      sourceId,
      package: binary.package,
      version: binary.version,
      architecture: binary.architecture,
      fileId: file.id,
      ...binary.index,
    });
  }

  private poolFile(repository: string, file: IncomingFile): PoolFileRecord {
    const { packages } = this.deps;
    const existing = packages.findPoolFile(repository, file.poolPath);
    if (existing) {
      if (existing.sha256 !== file.digests.sha256) {
        throw new ConflictError(this.poolConflicts(repository, [file])[0]!);
      }
      packages.setReferenced([existing.id]);
      return existing;
    }
    const record = { repository, path: file.poolPath, ...file.digests };
    return { id: packages.insertPoolFile(record, this.deps.clock.now()), ...record };
  }
}
