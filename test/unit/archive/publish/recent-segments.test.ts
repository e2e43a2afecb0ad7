import { describe, expect, it } from 'vitest';
import { RecentSegments } from '../../../../src/archive/publish/recent-segments.js';

// Only the compressed forms are held in memory (the texts are in the SegmentFile).
const record = (key: string, bytes = 10) => ({
  key,
  size: 1000,
  deflate: Buffer.alloc(bytes),
  xz: null,
  crc32: 0,
});
const HOUR = 3_600_000;

describe('segments remembered between publishes', () => {
  it('finds the segments an index was last built of, and only those', () => {
    const recent = new RecentSegments(1000);
    recent.remember('a/Packages', [record('s1'), record('s2')], new Set(['s1', 's2']), 0);
    expect([...recent.find('a/Packages', ['s1', 's3']).keys()]).toEqual(['s1']);
    expect(recent.find('b/Packages', ['s1']).size).toBe(0);
    recent.remember('a/Packages', [record('s2'), record('s3')], new Set(['s3']), 10);
    expect([...recent.find('a/Packages', ['s1', 's2', 's3']).keys()]).toEqual(['s2', 's3']);
  });

  it('says a segment is due for used_at when unknown or last touched an hour ago', () => {
    const recent = new RecentSegments(1000);
    expect(recent.due('a', ['s1'], 0)).toEqual(['s1']);
    recent.remember('a', [record('s1'), record('s2')], new Set(['s1', 's2']), 0);
    expect(recent.due('a', ['s1', 's2', 's3'], HOUR - 1)).toEqual(['s3']);
    // Rebuilt without touching s1: it keeps the time it was last touched.
    recent.remember('a', [record('s1'), record('s2')], new Set(['s2']), HOUR - 1);
    expect(recent.due('a', ['s1', 's2'], HOUR)).toEqual(['s1']);
  });

  it('forgets the indices built longest ago beyond its budget of bytes', () => {
    const recent = new RecentSegments(25);
    recent.remember('a', [record('a1')], new Set(), 0);
    recent.remember('b', [record('b1')], new Set(), 0);
    recent.remember('c', [record('c1')], new Set(), 0);
    expect(recent.find('a', ['a1']).size).toBe(0);
    expect(recent.find('b', ['b1']).size).toBe(1);
    expect(recent.find('c', ['c1']).size).toBe(1);
    // An index larger than the whole budget is not kept at all.
    recent.remember('d', [record('d1', 30)], new Set(), 0);
    expect(recent.find('d', ['d1']).size).toBe(0);
    expect(recent.find('c', ['c1']).size).toBe(1);
  });
});
