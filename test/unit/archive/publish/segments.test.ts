import { describe, expect, it } from 'vitest';
import { renderSegment, segmentEntries } from '../../../../src/archive/publish/segments.js';

const entry = (i: number) => ({
  id: i,
  key: `pkg${String(i).padStart(5, '0')}`,
  digest: `d${i}`,
  text: `Package: pkg${i}`,
});

describe('content-defined index segments', () => {
  it('keeps every other segment when one entry is added', () => {
    const before = Array.from({ length: 2000 }, (_, i) => entry(i * 2));
    const after = [...before, entry(1001)].sort((a, b) => (a.key < b.key ? -1 : 1));
    const a = segmentEntries('packages', before).map((s) => s.key);
    const b = segmentEntries('packages', after).map((s) => s.key);
    expect(a.length).toBeGreaterThan(10);
    const changed = b.filter((k) => !a.includes(k));
    expect(changed.length).toBe(1);
    expect(segmentEntries('packages', after).flatMap((s) => s.entries)).toEqual(after);
  });

  it('reuses the segments of unchanged entries and cuts what cutting afresh cuts', () => {
    let random = 7;
    const rand = (n: number) => (random = (random * 1103515245 + 12345) % 2 ** 31) % n;
    let entries = Array.from({ length: 3000 }, (_, i) => entry(i * 3));
    let previous = segmentEntries('packages', entries);
    for (let round = 0; round < 40; round++) {
      const next = [...entries];
      // Inserts, removals and replacements (new objects), at the ends too.
      for (let k = 0; k < 3; k++) {
        const at = round % 7 === 0 ? next.length : round % 5 === 0 ? 0 : rand(next.length);
        const action = rand(3);
        if (action === 0) next.splice(at, 0, entry(rand(9000) * 3 + 1));
        else if (action === 1) next.splice(at, 1);
        else if (next[at]) next[at] = { ...next[at]!, digest: `new${round}` };
      }
      next.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const reused = segmentEntries('packages', next, previous);
      const afresh = segmentEntries('packages', next);
      expect(reused.map((s) => s.key)).toEqual(afresh.map((s) => s.key));
      expect(reused.flatMap((s) => s.entries)).toEqual(next);
      const kept = reused.filter((s) => previous.includes(s)).length;
      expect(kept).toBeGreaterThan(reused.length - 12);
      entries = next;
      previous = reused;
    }
  });

  it('renders Contents with one line per path, sorted, owners joined', () => {
    const text = renderSegment('contents', [
      { id: 1, key: 'a', digest: '', text: 'usr/bin/x\tutils/a\nusr/share/a\tutils/a\n' },
      { id: 2, key: 'b', digest: '', text: 'usr/bin/x\tutils/b\n' },
    ]);
    expect(text.split('\n').map((l) => l.split(/\s+/))).toEqual([
      ['usr/bin/x', 'utils/a,utils/b'],
      ['usr/share/a', 'utils/a'],
      [''],
    ]);
  });
});
