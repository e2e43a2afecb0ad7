import { hash } from 'node:crypto';
import type { IndexEntry, IndexEntryRef } from './index-records.js';
import { assembleIndex, renderContents } from '../../debian/index.js';

export type IndexKind = 'packages' | 'sources' | 'contents';

export interface Segment {
  /** Content address of the segment: its kind and its entries' keys and digests. */
  key: string;
  entries: IndexEntryRef[];
}

/** The expected number of entries per segment; a change recompresses about this many. */
export const SEGMENT_TARGET = 64;
const MAX_SEGMENT = SEGMENT_TARGET * 4;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Cuts sorted entries into segments at content-defined boundaries (after an entry whose key
 * hashes to 0 modulo the target), so inserting or removing an entry changes only its own
 * segment and every other segment keeps its content address.
 *
 * `previous` (the index's segments last time, over the same entry objects where the
 * entries did not change) lets the work follow the change: where a previous segment
 * starts at the same entry object and runs over the very same objects, it is what cutting
 * afresh would give, and it is taken as it is; only the entries around a change are
 * hashed. The result is the same as without `previous`.
 */
export function segmentEntries(
  kind: IndexKind,
  entries: readonly IndexEntryRef[],
  previous: readonly Segment[] = [],
): Segment[] {
  const starting = new Map<IndexEntryRef, Segment>();
  for (const s of previous) if (s.entries[0]) starting.set(s.entries[0], s);
  const segments: Segment[] = [];
  let i = 0;
  while (i < entries.length) {
    const known = starting.get(entries[i]!);
    if (known && reusable(known.entries, entries, i)) {
      segments.push(known);
      i += known.entries.length;
      continue;
    }
    let end = i;
    while (end < entries.length) {
      const entry = entries[end++]!;
      if (isCut(entry) || end - i >= MAX_SEGMENT) break;
    }
    segments.push(segmentOf(kind, entries.slice(i, end)));
    i = end;
  }
  return segments;
}

function isCut(entry: IndexEntryRef): boolean {
  return fnv1a(entry.key) % SEGMENT_TARGET === 0;
}

/**
 * Whether the segment `run` fits `entries` from `at`: the same objects, and an end that
 * cutting afresh gives too (a cut entry, the maximum length, or the end of the entries).
 */
function reusable(run: readonly IndexEntryRef[], entries: readonly IndexEntryRef[], at: number) {
  if (at + run.length > entries.length) return false;
  for (let k = 0; k < run.length; k++) if (run[k] !== entries[at + k]) return false;
  return (
    at + run.length === entries.length || run.length >= MAX_SEGMENT || isCut(run[run.length - 1]!)
  );
}

function segmentOf(kind: IndexKind, entries: IndexEntryRef[]): Segment {
  let address: string = kind;
  for (const e of entries) address += `\n${e.key}\n${e.digest}`;
  return { key: `${kind}:${hash('sha256', address, 'hex')}`, entries };
}

/** The uncompressed text of a segment. */
export function renderSegment(kind: IndexKind, entries: readonly IndexEntry[]): string {
  if (kind !== 'contents') return assembleIndex(entries.map((e) => e.text));
  // Contents entries are stored as "path<TAB>section/package" lines per package.
  return renderContents(
    entries.map((e) => {
      const lines = e.text.split('\n').filter(Boolean);
      const qualifiedName = lines[0]?.slice(lines[0].lastIndexOf('\t') + 1) ?? '';
      return { qualifiedName, paths: lines.map((l) => l.slice(0, l.lastIndexOf('\t'))) };
    }),
  );
}
