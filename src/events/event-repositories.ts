/**
 * A distribution's name, `<codename>-<repository>-<suite>[-rollbackN]` (as
 * archive/model/distribution-name.ts parses it; events sit above archive/, so the
 * pattern is repeated here).
 */
const DISTRIBUTION = /^[a-z][a-z0-9]*-([a-z0-9]+)-[a-z]+(?:-rollback\d{1,3})?$/;

/** The fields of an event (EventInput, StoredEvent) this reads; event.ts imports this file. */
interface Fields {
  type: string;
  distribution?: string | null;
  details?: Record<string, unknown>;
}

/**
 * The repositories an event is about, so that events of a private repository reach only
 * callers who may read it: the repository its distribution names, a `repository` in its
 * details, the distributions it lists (an extra source), and for an admin action
 * (AUDIT) the repository or distribution the call named. Empty: about none.
 */
export function eventRepositories(event: Fields): string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value !== '') found.add(value);
  };
  const addDistribution = (value: unknown) => {
    if (typeof value === 'string') add(DISTRIBUTION.exec(value)?.[1]);
  };
  const details = event.details ?? {};
  addDistribution(event.distribution);
  add(details.repository);
  if (Array.isArray(details.distributions)) {
    for (const d of details.distributions as unknown[]) {
      addDistribution(typeof d === 'object' && d !== null ? (d as { name?: unknown }).name : d);
    }
  }
  if (event.type === 'AUDIT' && typeof details.input === 'object' && details.input !== null) {
    const input = details.input as Record<string, unknown>;
    add(input.repo);
    add(input.repository);
    addDistribution(input.distribution);
    // repository_add, repository_update, repository_remove name it by id.
    if (typeof details.call === 'string' && details.call.startsWith('repository_')) add(input.id);
  }
  return [...found];
}
