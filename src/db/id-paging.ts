/** A page of a list by id: after one id (read forwards) or before one (newest first). */
export interface IdPage {
  afterId?: number;
  beforeId?: number;
  /** At most this many (1 to the list's own bound; default 100). */
  limit?: number;
}

/**
 * The SELECT of one page of `table`: its conditions in `where` (with their values in
 * `params`) and the page's bounds. Following a stream (`afterId`) reads forwards;
 * browsing the history reads the newest first.
 */
export function pagedSelect(
  table: string,
  where: readonly string[],
  params: Record<string, unknown>,
  page: IdPage,
  maxLimit: number,
): string {
  const conditions = [...where];
  if (page.afterId !== undefined) {
    conditions.push('id > @afterId');
    params.afterId = page.afterId;
  }
  if (page.beforeId !== undefined) {
    conditions.push('id < @beforeId');
    params.beforeId = page.beforeId;
  }
  const order = page.afterId !== undefined ? 'ASC' : 'DESC';
  const limit = Math.min(Math.max(page.limit ?? 100, 1), maxLimit);
  return `SELECT * FROM ${table} ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY id ${order} LIMIT ${limit}`;
}
