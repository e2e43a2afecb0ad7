/** One column of a text table: its header and how to get a row's cell. */
export interface TextColumn<R> {
  header: string;
  value(row: R): unknown;
  /** Right-align (numbers). */
  right?: boolean;
}

/**
 * A plain-text table for terminals: a header line, then one line per row, columns
 * separated by two spaces, the last column not padded. `empty` is printed for no rows.
 */
export function formatTable<R>(
  rows: readonly R[],
  columns: readonly TextColumn<R>[],
  empty = '(none)',
): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => line[i]!.length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => {
        if (i === values.length - 1 && !columns[i]!.right) return value;
        return columns[i]!.right ? value.padStart(widths[i]!) : value.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value).replace(/\s+/g, ' ');
}
