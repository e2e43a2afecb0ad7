import path from 'node:path';
import { compareVersions } from '../../debian/version.js';
import type { MirroredSource, MirrorCounts, MirrorRecord } from '../../db/mirrors-repository.js';
import type { EventInput } from '../../events/event.js';
import type { Archive } from '../archive.js';
import { treeReader } from '../remote-tree/published-tree.js';
import { planMirror, type PlannedPackage } from './mirror-plan.js';
import type { PlannedSource } from './source-plan.js';
import { parsePackageQuery } from './package-query.js';
import type { FileGet } from './http-get.js';
import { downloadPool } from './pool-download.js';

export interface MirrorUpdateDeps {
  archive: Pick<Archive, 'install' | 'remove'>;
  fetch: typeof fetch;
  /** How pool files are fetched (default: over `fetch`). */
  get?: FileGet;
  /** The mirror's download cache, `<home>/mirrors/<name>`. */
  cacheDir: string;
  /** What the last good update installed. */
  previous: readonly MirroredSource[];
  /** The distribution of the mirror's repository a suite goes to. */
  distributionOf(suite: string): string;
  /** A progress event (MIRROR). */
  progress(event: Omit<EventInput, 'type'>): void;
}

export interface MirrorUpdateResult {
  sources: MirroredSource[];
  counts: MirrorCounts;
}

/**
 * One update of a mirror: the plan (Release verified, indices checked, filter and
 * dependencies), the pool files not held yet fetched and checked, then the archive
 * changed by what differs from the last update — sources new or changed installed (one
 * install per distribution and component, one publish), sources gone removed. Everything
 * that may fail on the remote side fails before the archive is touched, so a failed
 * update leaves the published mirror as it was.
 */
export async function updateMirror(
  deps: MirrorUpdateDeps,
  mirror: MirrorRecord,
  signal?: AbortSignal,
): Promise<MirrorUpdateResult> {
  const read = treeReader(mirror.url, deps.fetch, signal);
  const plan = await planMirror(read, {
    suites: mirror.suites,
    components: mirror.components,
    architectures: mirror.architectures,
    filter: mirror.filter ? parsePackageQuery(mirror.filter) : null,
    withDeps: mirror.withDeps,
    recommends: mirror.recommends,
    key: mirror.unsigned ? null : mirror.armoredKey,
  });
  const files = [
    ...new Map(
      [...plan.packages, ...plan.sources.flatMap((s) => s.files)].map((f) => [f.poolPath, f]),
    ).values(),
  ];
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  let reported = 0;
  const download = await downloadPool({
    url: mirror.url,
    cacheDir: deps.cacheDir,
    files,
    fetch: deps.fetch,
    ...(deps.get && { get: deps.get }),
    signal,
    progress: ({ done, total, bytes }) => {
      // The start, then about every quarter, then the end.
      if (done !== 0 && done !== total && done < reported + Math.max(1, total / 4)) return;
      reported = done;
      deps.progress({
        message:
          done === 0
            ? `mirror ${mirror.name}: ${files.length} files wanted, ${total} to fetch`
            : `mirror ${mirror.name}: fetched ${done} of ${total} files (${bytes} bytes)`,
        details: {
          mirror: mirror.name,
          stage: 'fetch',
          done,
          total,
          bytes,
          files: files.length,
          totalBytes,
        },
      });
    },
  });
  const stanzas = new Map(plan.packages.map((p) => [p.poolPath, p.stanza]));
  const groups = groupSources(plan.packages, plan.sources, deps.distributionOf);
  const before = new Map(deps.previous.map((s) => [`${s.distribution} ${s.source}`, s]));
  const changed = [...groups.values()].filter((g) => {
    const held = before.get(`${g.distribution} ${g.source}`);
    return !held || held.version !== g.version || !sameFiles(held.files, g.files);
  });
  let installed = 0;
  for (const batch of batches(changed)) {
    // An older version upstream (a downgrade) replaces the mirror's: out first.
    for (const g of batch.groups) {
      const held = before.get(`${g.distribution} ${g.source}`);
      if (held && compareVersions(g.version, held.version) < 0) {
        await deps.archive.remove(g.distribution, g.source, signal);
      }
    }
    const results = await deps.archive.install(
      {
        distribution: batch.distribution,
        component: batch.component,
        // Each file checked against the signed index: installed from its stanza and the
        // digests taken while checking, not read again. Contents lists none of them.
        packages: batch.groups.map((g) => ({
          ...(g.dsc !== undefined && { dsc: path.join(deps.cacheDir, g.dsc) }),
          verifiedDebs: g.files
            .filter((f) => stanzas.has(f))
            .map((f) => ({
              path: path.join(deps.cacheDir, f),
              control: stanzas.get(f)!,
              digests: download.digests.get(f)!,
              files: [],
            })),
          verifiedFiles: new Map(
            g.files.map((f) => [path.join(deps.cacheDir, f), download.digests.get(f)!]),
          ),
        })),
        handOver: true,
      },
      signal,
    );
    installed += results.filter((r) => r.changed).length;
  }
  const gone = deps.previous.filter((s) => !groups.has(`${s.distribution} ${s.source}`));
  for (const s of gone) await deps.archive.remove(s.distribution, s.source, signal);
  return {
    sources: [...groups.values()].map(({ distribution, source, version, files }) => ({
      distribution,
      source,
      version,
      files,
    })),
    counts: {
      packages: plan.packages.length,
      fetched: download.fetched,
      fetchedBytes: download.fetchedBytes,
      installed,
      removed: gone.length,
      unsatisfied: plan.unsatisfied,
    },
  };
}

interface SourceGroup extends MirroredSource {
  component: string;
  /** The pool path of its .dsc when the mirror takes sources and has this version's. */
  dsc?: string;
}

/**
 * The binaries by source (the newest version of each), each with its source package when
 * the mirror takes sources and Sources has that version; a source without binaries taken
 * stands alone. A source whose version differs from its binaries' is left out: the
 * archive holds one version of a source per distribution, and the binaries win.
 */
function groupSources(
  packages: readonly PlannedPackage[],
  sources: readonly PlannedSource[],
  distributionOf: (suite: string) => string,
): Map<string, SourceGroup> {
  const groups = new Map<string, SourceGroup>();
  for (const p of packages) {
    const distribution = distributionOf(p.suite);
    const key = `${distribution} ${p.source}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        distribution,
        source: p.source,
        version: p.sourceVersion,
        component: p.component,
        files: [p.poolPath],
      });
    } else if (compareVersions(p.sourceVersion, group.version) > 0) {
      // Binaries of two versions of one source: the archive holds one; the newer wins.
      Object.assign(group, {
        version: p.sourceVersion,
        component: p.component,
        files: [p.poolPath],
      });
    } else if (p.sourceVersion === group.version && !group.files.includes(p.poolPath)) {
      group.files.push(p.poolPath);
    }
  }
  for (const s of sources) {
    const distribution = distributionOf(s.suite);
    const key = `${distribution} ${s.source}`;
    const group = groups.get(key);
    const files = s.files.map((f) => f.poolPath);
    if (!group) {
      groups.set(key, {
        distribution,
        source: s.source,
        version: s.version,
        component: s.component,
        files,
        dsc: s.dsc,
      });
    } else if (group.version === s.version && group.dsc === undefined) {
      group.files.push(...files.filter((f) => !group.files.includes(f)));
      group.dsc = s.dsc;
    }
  }
  for (const g of groups.values()) g.files.sort();
  return groups;
}

function batches(groups: readonly SourceGroup[]) {
  const byTarget = new Map<
    string,
    { distribution: string; component: string; groups: SourceGroup[] }
  >();
  for (const g of groups) {
    const key = `${g.distribution} ${g.component}`;
    const batch = byTarget.get(key);
    if (batch) batch.groups.push(g);
    else byTarget.set(key, { distribution: g.distribution, component: g.component, groups: [g] });
  }
  return [...byTarget.values()];
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}
