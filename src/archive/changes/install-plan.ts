// An install's plan, source by source: everything installing one prepared source into a
// suite reads (what the repository has of its version, its pool files, the suite's
// rollback chain, the versions it shifts out) is read into a SourcePlan, which
// ArchiveWriter's install then writes; the bulk and the single install share it.
import { hash } from 'node:crypto';
import type { ArchiveIndexRepository } from '../../db/archive-index-repository.js';
import type { ArchivePackagesRepository } from '../../db/archive-packages-repository.js';
import { ConflictError } from '../../shared/errors.js';
import type { PoolFileRecord } from '../package-records.js';
import type { IncomingFile, PreparedBinary, PreparedSource } from '../packages/prepare.js';
import { poolDirectory } from '../pool/pool-path.js';
import type { ArchiveFormats } from '../ports.js';
import { shiftChain } from './rollback-chain.js';
import { indexPathsOf } from './touched.js';

/** A file the install needs in the pool records: the record it has, or a new one. */
export interface PoolFileStep {
  file: IncomingFile;
  existing: PoolFileRecord | undefined;
}

/** The version being installed, as a chain entry before it has an id. */
export const INSTALLED = 'installed';
export type ChainEntry = number | typeof INSTALLED | undefined;

/** A distribution of the chain taking another version, or none. */
export interface ChainStep {
  dist: string;
  next: ChainEntry;
  /** The indices the incoming version shows in (when `next` is one). */
  nextIndices: string[];
  /** The version it held, released: its indices and files, and the release's revision. */
  released: { indices: string[]; files: number[]; revision: number } | undefined;
}

export interface SourcePlan {
  prepared: PreparedSource;
  /** The stored version it completes; undefined: a new source row. */
  existingId: number | undefined;
  /** The .dsc to store: its files, and the stanza to set if the version has none yet. */
  dsc: { files: PoolFileStep[]; stanza: string; digest: string; setStanza: boolean } | undefined;
  /** The binaries the version does not have yet. */
  binaries: { binary: PreparedBinary; file: PoolFileStep }[];
  /** Indices an extended version changes in the distributions already holding it. */
  extensionTouches: { dist: string; paths: string[] }[];
  /** The chain's steps in order; empty when the suite holds the version already. */
  chain: ChainStep[];
  /** Versions that fell off the chain and no other distribution holds: forgotten. */
  drop: number[];
  created: boolean;
  extended: boolean;
  changed: boolean;
}

export interface PlannerDeps {
  packages: ArchivePackagesRepository;
  index: ArchiveIndexRepository;
  formats: ArchiveFormats;
  /** The architectures of a distribution (from the configuration). */
  architecturesOf: (dist: string) => readonly string[];
}

const sha256 = (text: string) => hash('sha256', text, 'hex');

/**
 * Reads what installing `prepared` into a suite's rollback `chain` changes, checking it
 * (components, content of existing files and versions) before anything is written. Runs
 * inside the install's transaction. The sources of an install have distinct names
 * (Archive.checkPrepared), so their plans touch disjoint rows (placements, pool
 * directories): each source can be planned and written before the next is planned.
 */
export function planSource(
  deps: PlannerDeps,
  repository: string,
  chain: readonly string[],
  prepared: PreparedSource,
): SourcePlan {
  const { packages } = deps;
  const existing = packages.findSource(repository, prepared.name, prepared.version);
  if (existing && existing.component !== prepared.component) {
    throw new ConflictError(
      `${prepared.name} ${prepared.version} is in component ${existing.component} already, not ${prepared.component}`,
    );
  }
  let extended = false;
  let dsc: SourcePlan['dsc'];
  if (prepared.dsc) {
    const d = prepared.dsc;
    const files = [d.file, ...d.files].map((f) => poolFileStep(deps, repository, f));
    const stanza = deps.formats.sourcesStanza(
      d.fields,
      poolDirectory(prepared.component, prepared.name),
      { name: d.file.poolPath.split('/').pop()!, digests: files[0]!.existing ?? d.file.digests },
    );
    const digest = sha256(stanza);
    const current = existing ?? { digest: null, stanza: null };
    const setStanza = current.digest !== digest;
    if (setStanza && current.stanza !== null) {
      throw new ConflictError(
        `${prepared.name} ${prepared.version} is in the repository already with a different .dsc`,
      );
    }
    dsc = { files, stanza, digest, setStanza };
    extended ||= setStanza;
  }
  const stored = existing ? packages.binaries(existing.id) : [];
  const have = new Map(stored.map((b) => [`${b.package} ${b.architecture}`, b]));
  const binaries: SourcePlan['binaries'] = [];
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
    binaries.push({ binary, file: poolFileStep(deps, repository, binary.file) });
  }
  const added = binaries.map((b) => b.binary.architecture);
  extended ||= added.length > 0;
  const extensionTouches =
    existing && extended
      ? packages.placementsOfSource(existing.id).map((p) => ({
          dist: p.distribution,
          paths: indexPathsOf(
            prepared.component,
            Boolean(prepared.dsc),
            added,
            deps.architecturesOf(p.distribution),
          ),
        }))
      : [];
  // The version's indices once stored: its stanza and every binary it then has.
  const hasStanza = (existing?.stanza ?? null) !== null || Boolean(dsc?.setStanza);
  const archs = [...stored.map((b) => b.architecture), ...added];
  const installedIndices = (dist: string) =>
    indexPathsOf(prepared.component, hasStanza, archs, deps.architecturesOf(dist));
  const { steps, drop } = planChain(deps, chain, prepared.name, existing?.id, installedIndices);
  return {
    prepared,
    existingId: existing?.id,
    dsc,
    binaries,
    extensionTouches,
    chain: steps,
    drop,
    created: !existing,
    extended: Boolean(existing) && extended,
    changed: steps.length > 0 || !existing || extended,
  };
}

/** A pool file's record if the pool has it (with the same content), else a new one. */
function poolFileStep(deps: PlannerDeps, repository: string, file: IncomingFile): PoolFileStep {
  const existing = deps.packages.findPoolFile(repository, file.poolPath);
  if (existing && existing.sha256 !== file.digests.sha256) {
    throw new ConflictError(
      `pool file ${file.poolPath} already exists with other content (sha256 ${existing.sha256.slice(0, 16)}…, the new one has ${file.digests.sha256.slice(0, 16)}…); a file name is never reused with different content`,
    );
  }
  return { file, existing };
}

/** The chain after the installed version comes in: suite first, the rest shifted down. */
function planChain(
  deps: PlannerDeps,
  chain: readonly string[],
  source: string,
  existingId: number | undefined,
  installedIndices: (dist: string) => string[],
): { steps: ChainStep[]; drop: number[] } {
  const { packages } = deps;
  const current = chain.map((d) => packages.placement(d, source)?.sourceId);
  if (existingId !== undefined && current[0] === existingId) return { steps: [], drop: [] };
  const { next } = shiftChain<ChainEntry>(current, INSTALLED);
  const indicesOf = (id: number, dist: string) => {
    const stored = packages.source(id);
    const archs = packages.binaries(id).map((b) => b.architecture);
    return indexPathsOf(
      stored.component,
      stored.stanza !== null,
      archs,
      deps.architecturesOf(dist),
    );
  };
  const steps: ChainStep[] = [];
  chain.forEach((dist, i) => {
    const was = current[i];
    const now = next[i];
    if (now === was) return;
    let released: ChainStep['released'];
    if (was !== undefined) {
      const files = [
        ...packages.sourceFiles(was).map((f) => f.id),
        ...packages.binaries(was).map((b) => b.fileId),
      ];
      const revision = (deps.index.dist(dist)?.revision ?? 0) + 1;
      released = { indices: indicesOf(was, dist), files, revision };
    }
    const nextIndices =
      now === undefined ? [] : now === INSTALLED ? installedIndices(dist) : indicesOf(now, dist);
    steps.push({ dist, next: now, nextIndices, released });
  });
  const kept = new Set(next.map((entry) => (entry === INSTALLED ? existingId : entry)));
  const drop = [...new Set(current)].filter(
    (id): id is number =>
      id !== undefined &&
      !kept.has(id) &&
      !packages.placementsOfSource(id).some((p) => !chain.includes(p.distribution)),
  );
  return { steps, drop };
}
