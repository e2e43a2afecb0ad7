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
 */
export function segmentEntries(kind: IndexKind, entries: readonly IndexEntryRef[]): Segment[] {
  const segments: Segment[] = [];
  let current: IndexEntryRef[] = [];
  const close = () => {
    let address = kind;
    for (const e of current) address += `\n${e.key}\n${e.digest}`;
    segments.push({ key: `${kind}:${hash('sha256', address, 'hex')}`, entries: current });
    current = [];
  };
  for (const entry of entries) {
    current.push(entry);
    if (fnv1a(entry.key) % SEGMENT_TARGET === 0 || current.length >= MAX_SEGMENT) close();
  }
  if (current.length > 0) close();
  return segments;
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
