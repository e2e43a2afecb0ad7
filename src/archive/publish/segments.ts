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
 * segment and every other segment keeps its content address. A segment of `previous` (the
 * index's segments last time) made of the very same entry objects is taken as it is,
 * without hashing its address again.
 */
export function segmentEntries(
  kind: IndexKind,
  entries: readonly IndexEntryRef[],
  previous: readonly Segment[] = [],
): Segment[] {
  const byFirst = new Map<IndexEntryRef, Segment>();
  for (const s of previous) if (s.entries[0]) byFirst.set(s.entries[0], s);
  const segments: Segment[] = [];
  let current: IndexEntryRef[] = [];
  const close = () => {
    const known = byFirst.get(current[0]!);
    if (known && sameEntries(known.entries, current)) {
      segments.push(known);
    } else {
      let address = kind;
      for (const e of current) address += `\n${e.key}\n${e.digest}`;
      segments.push({ key: `${kind}:${hash('sha256', address, 'hex')}`, entries: current });
    }
    current = [];
  };
  for (const entry of entries) {
    current.push(entry);
    if (fnv1a(entry.key) % SEGMENT_TARGET === 0 || current.length >= MAX_SEGMENT) close();
  }
  if (current.length > 0) close();
  return segments;
}

function sameEntries(a: readonly IndexEntryRef[], b: readonly IndexEntryRef[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
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
