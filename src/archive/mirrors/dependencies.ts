import { appliesOn, parseRelations, type RelationAtom } from '../../debian/relations.js';
import { compareVersions, versionSatisfies } from '../../debian/version.js';

/** A binary package of a mirrored index, as dependency following sees it. */
export interface CandidatePackage {
  package: string;
  version: string;
  architecture: string;
  get(field: string): string | undefined;
}

export interface DependencyOptions {
  /** The mirror's architectures: an arch:all package's dependencies are followed on each. */
  architectures: readonly string[];
  /** Follow Recommends too (Depends and Pre-Depends always). */
  recommends?: boolean;
}

export interface DependencyResult<P extends CandidatePackage> {
  packages: Set<P>;
  /** Relations nothing in the indices satisfies: `pkg: relation (on arch)`. */
  unsatisfied: string[];
}

/**
 * The selected packages and, transitively, what their Depends and Pre-Depends (and
 * Recommends if asked) need from `universe`, as apt would pick it: a clause already
 * satisfied by a package in the set adds nothing; otherwise its first alternative that
 * some package satisfies — a real package of that name (highest version) before one that
 * Provides it (a versioned relation only by a versioned Provides).
 */
export function withDependencies<P extends CandidatePackage>(
  universe: readonly P[],
  selected: Iterable<P>,
  options: DependencyOptions,
): DependencyResult<P> {
  const byName = new Map<string, P[]>();
  const providers = new Map<string, { pkg: P; version: string | null }[]>();
  for (const p of universe) {
    push(byName, p.package, p);
    for (const clause of safeRelations(p.get('Provides'))) {
      for (const atom of clause)
        push(providers, atom.name, { pkg: p, version: atom.version?.version ?? null });
    }
  }
  for (const list of byName.values()) list.sort((a, b) => compareVersions(b.version, a.version));
  const fields = ['Pre-Depends', 'Depends', ...(options.recommends ? ['Recommends'] : [])];
  const packages = new Set<P>();
  const unsatisfied: string[] = [];
  const queue: P[] = [];
  const add = (p: P) => {
    if (!packages.has(p)) {
      packages.add(p);
      queue.push(p);
    }
  };
  for (const p of selected) add(p);
  while (queue.length > 0) {
    const p = queue.shift()!;
    const archs = p.architecture === 'all' ? options.architectures : [p.architecture];
    for (const field of fields) {
      for (const clause of safeRelations(p.get(field))) {
        for (const arch of archs) {
          const atoms = clause.filter((a) => appliesOn(a, arch));
          if (atoms.length === 0) continue;
          const candidates = (atom: RelationAtom) => {
            const onArch = (c: P) => c.architecture === arch || c.architecture === 'all';
            const real = (byName.get(atom.name) ?? []).filter(
              (c) =>
                onArch(c) &&
                (!atom.version ||
                  versionSatisfies(c.version, atom.version.relation, atom.version.version)),
            );
            const provided = (providers.get(atom.name) ?? [])
              .filter(
                ({ pkg, version }) =>
                  onArch(pkg) &&
                  (!atom.version ||
                    (version !== null &&
                      versionSatisfies(version, atom.version.relation, atom.version.version))),
              )
              .map(({ pkg }) => pkg);
            return [...real, ...provided];
          };
          if (atoms.some((a) => candidates(a).some((c) => packages.has(c)))) continue;
          const pick = atoms.map(candidates).find((list) => list.length > 0)?.[0];
          if (pick) add(pick);
          else
            unsatisfied.push(`${p.package}: ${field} ${atoms.map(text).join(' | ')} (on ${arch})`);
        }
      }
    }
  }
  return { packages, unsatisfied: [...new Set(unsatisfied)] };
}

function safeRelations(field: string | undefined) {
  try {
    return parseRelations(field);
  } catch {
    return []; // a malformed relation in someone else's index is not ours to follow
  }
}

function text(atom: RelationAtom): string {
  const op =
    atom.version &&
    { lt: '<<', le: '<=', eq: '=', ge: '>=', gt: '>>', ne: '!=' }[atom.version.relation];
  return atom.version ? `${atom.name} (${op} ${atom.version.version})` : atom.name;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
