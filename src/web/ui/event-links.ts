import type { StoredEvent } from '../../events/event.js';

/** The pages an event row links to (static/debyard.js makes the same links for live rows). */
export interface EventLinks {
  /** /packages/<source> */
  package: string | null;
  /** /uploads/<id> */
  upload: string | null;
  /** /builds/<id> */
  build: string | null;
  /** The repository the event's distribution belongs to, and its page. */
  repository: { id: string; href: string } | null;
  /** What the distribution column shows: the distribution, or "<repo>: N distributions". */
  distributions: string;
}

const REPOSITORY_OF = /^[a-z][a-z0-9]*-([a-z0-9]+)-[a-z]/;

export function eventLinks(
  e: Pick<StoredEvent, 'source' | 'distribution' | 'uploadId' | 'buildId' | 'details'>,
): EventLinks {
  const details = e.details ?? {};
  const id =
    REPOSITORY_OF.exec(e.distribution ?? '')?.[1] ??
    (typeof details.repository === 'string' ? details.repository : null);
  const many = Array.isArray(details.distributions) ? details.distributions.length : 0;
  return {
    package: e.source ? `/packages/${encodeURIComponent(e.source)}` : null,
    upload: e.uploadId ? `/uploads/${e.uploadId}` : null,
    build: e.buildId ? `/builds/${e.buildId}` : null,
    repository: id ? { id, href: `/repositories/${encodeURIComponent(id)}` } : null,
    distributions:
      e.distribution ?? (many > 1 ? `${id ? `${id}: ` : ''}${many} distributions` : ''),
  };
}
