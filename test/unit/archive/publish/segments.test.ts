import { describe, expect, it } from 'vitest';
import { renderSegment, segmentEntries } from '../../../../src/archive/publish/segments.js';

const entry = (i: number) => ({
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

  it('renders Contents with one line per path, sorted, owners joined', () => {
    const text = renderSegment('contents', [
      { key: 'a', digest: '', text: 'usr/bin/x\tutils/a\nusr/share/a\tutils/a\n' },
      { key: 'b', digest: '', text: 'usr/bin/x\tutils/b\n' },
    ]);
    expect(text.split('\n').map((l) => l.split(/\s+/))).toEqual([
      ['usr/bin/x', 'utils/a,utils/b'],
      ['usr/share/a', 'utils/a'],
      [''],
    ]);
  });
});
