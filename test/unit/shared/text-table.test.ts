import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../src/shared/text-table.js';

describe('formatTable', () => {
  it('aligns columns under their headers, numbers to the right, the last column unpadded', () => {
    const rows = [
      { id: 7, name: 'hello', note: 'fine' },
      { id: 12, name: 'a', note: null },
    ];
    expect(
      formatTable(rows, [
        { header: 'ID', value: (r) => r.id, right: true },
        { header: 'NAME', value: (r) => r.name },
        { header: 'NOTE', value: (r) => r.note },
      ]),
    ).toBe(['ID  NAME   NOTE', ' 7  hello  fine', '12  a      -'].join('\n'));
  });

  it('shows booleans as yes/no, flattens whitespace and says when there are no rows', () => {
    const columns = [
      { header: 'ON', value: (r: { on: boolean; text: string }) => r.on },
      { header: 'TEXT', value: (r: { on: boolean; text: string }) => r.text },
    ];
    expect(formatTable([{ on: true, text: 'two\nlines' }], columns)).toBe(
      'ON   TEXT\nyes  two lines',
    );
    expect(formatTable([], columns, 'no events')).toBe('no events');
  });
});
