import type { EventInput } from '../../events/event.js';

/** What one run of a distribution's publisher did (for the PUBLISHED event). */
export interface PublishedDist {
  dist: string;
  repository: string;
  generation: number;
  revision: number;
  rebuilt: string[];
  indices: number;
  seconds: number;
  /** Set once a publish() caller put it in its event (runs are shared by folded requests). */
  reported: boolean;
}

/** The PUBLISHED event of one repository's distributions published together. */
export function publishedEvent(
  repository: string,
  runs: readonly PublishedDist[],
  seconds: number,
): EventInput {
  const rebuilt = runs.reduce((sum, r) => sum + r.rebuilt.length, 0);
  const indices = runs.reduce((sum, r) => sum + r.indices, 0);
  const only = runs.length === 1 ? runs[0]! : null;
  const names = runs.map((r) => r.dist);
  const what = only
    ? `${only.dist} (generation ${only.generation}, `
    : `${runs.length} distributions of ${repository}: ${listed(names)} (`;
  return {
    type: 'PUBLISHED' as const,
    message: `published ${what}${rebuilt} of ${indices} indices rebuilt, ${seconds.toFixed(2)} s)`,
    distribution: only?.dist ?? null,
    details: {
      repository,
      distributions: runs.map((r) => ({
        name: r.dist,
        generation: r.generation,
        revision: r.revision,
        rebuilt: r.rebuilt,
        seconds: r.seconds,
      })),
      seconds,
      ...(only
        ? { generation: only.generation, revision: only.revision, rebuilt: only.rebuilt }
        : {}),
    },
  };
}

/** A few names, then how many more. */
function listed(names: readonly string[], shown = 3): string {
  return names.length <= shown + 1
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
