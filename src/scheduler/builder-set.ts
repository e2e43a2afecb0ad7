import type { Builder } from '../builder/builder.js';

/**
 * The builders the scheduler chooses among: this host, and whatever other sources add
 * (the remote peers' registry adds its builders with `add`). Names must be unique.
 */
export class BuilderSet {
  private readonly sources: (() => readonly Builder[])[] = [];

  add(source: () => readonly Builder[]): void {
    this.sources.push(source);
  }

  all(): Builder[] {
    const builders = this.sources.flatMap((source) => source());
    const names = new Set<string>();
    return builders.filter((b) => !names.has(b.name) && names.add(b.name));
  }
}
