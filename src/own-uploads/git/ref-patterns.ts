/**
 * Which refs of a git source trigger builds: tags matching a pattern (`debian/*`) and
 * branches by name or pattern (`debian/latest`, `debian/*`). `*` matches any run of
 * characters, slashes included; nothing else is special.
 */
export interface TriggerRefs {
  /** A tag pattern; null: no tag builds. */
  tags: string | null;
  branches: readonly string[];
}

export type RefKind = 'tag' | 'branch';

const TAG_PREFIX = 'refs/tags/';
const BRANCH_PREFIX = 'refs/heads/';

export function globMatches(pattern: string, name: string): boolean {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`).test(name);
}

/** The kind and short name of a full ref (refs/tags/…, refs/heads/…); undefined else. */
export function splitRef(ref: string): { kind: RefKind; name: string } | undefined {
  if (ref.startsWith(TAG_PREFIX)) return { kind: 'tag', name: ref.slice(TAG_PREFIX.length) };
  if (ref.startsWith(BRANCH_PREFIX)) {
    return { kind: 'branch', name: ref.slice(BRANCH_PREFIX.length) };
  }
  return undefined;
}

/** Whether a push to this full ref should build. */
export function triggers(refs: TriggerRefs, ref: string): boolean {
  const split = splitRef(ref);
  if (!split) return false;
  if (split.kind === 'tag') return refs.tags !== null && globMatches(refs.tags, split.name);
  return refs.branches.some((pattern) => globMatches(pattern, split.name));
}

/** A ref name as git check-ref-format takes it (a pattern may also hold `*`). */
export function refNameProblem(name: string, pattern: boolean): string | undefined {
  const allowed = pattern ? /^[A-Za-z0-9._/*%+-]+$/ : /^[A-Za-z0-9._/%+-]+$/;
  if (!allowed.test(name)) return `"${name}" holds characters a git ref name may not hold`;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//') || name.includes('..')) {
    return `"${name}" is not a valid git ref name`;
  }
  if (name.startsWith('-')) return `"${name}" may not start with "-"`;
  return undefined;
}
