import type { VersionRelation } from './version.js';

/** One alternative of a relation field: `libc6 (>= 2.36)`, `foo:any`, `bar [amd64]`. */
export interface RelationAtom {
  name: string;
  /** `:any`, `:native` or an architecture qualifier, if any. */
  archQualifier: string | null;
  version: { relation: VersionRelation; version: string } | null;
  /** The `[arch …]` restriction, as written (`!` kept); empty: every architecture. */
  architectures: string[];
}

/** A relation field: clauses that must all hold, each satisfied by any of its alternatives. */
export type Relations = RelationAtom[][];

const RELATIONS: Record<string, VersionRelation> = {
  '<<': 'lt',
  '<=': 'le',
  '=': 'eq',
  '>=': 'ge',
  '>>': 'gt',
  // Deprecated forms dpkg still reads.
  '<': 'le',
  '>': 'ge',
};

const ATOM =
  /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|>=|>>|=|<|>)\s*([^)\s]+)\s*\))?\s*(?:\[([^\]]*)\])?\s*(?:<[^>]*>\s*)*$/;

/**
 * Parses Depends-style fields (Depends, Pre-Depends, Recommends, Provides). An alternative
 * that does not parse is an error naming it.
 */
export function parseRelations(field: string | undefined): Relations {
  if (!field || field.trim() === '') return [];
  return field
    .split(',')
    .map((clause) => clause.trim())
    .filter(Boolean)
    .map((clause) =>
      clause.split('|').map((text) => {
        const match = ATOM.exec(text.trim());
        if (!match) throw new Error(`"${text.trim()}" is not a package relation`);
        return {
          name: match[1]!,
          archQualifier: match[2] ?? null,
          version: match[3] ? { relation: RELATIONS[match[3]]!, version: match[4]! } : null,
          architectures: (match[5] ?? '').split(/\s+/).filter(Boolean),
        };
      }),
    );
}

/** Whether an atom's `[arch …]` restriction lets it apply on `architecture`. */
export function appliesOn(atom: RelationAtom, architecture: string): boolean {
  if (atom.architectures.length === 0) return true;
  const negated = atom.architectures.every((a) => a.startsWith('!'));
  const listed = atom.architectures.map((a) => a.replace(/^!/, '')).includes(architecture);
  return negated ? !listed : listed;
}
