import type { DistributionSpec } from '../archive/model/repository.js';
import type { Builder } from '../builder/builder.js';
import { keyLabel, type ChrootKey } from '../chroot/chroot-paths.js';

export interface BuildableDeps {
  builders: () => readonly Builder[];
  /** Chroots this host has, in any state (one being created, or broken, can be ready later). */
  localChroots: () => readonly ChrootKey[];
  /** Whether this host could create the chroot (a definition for the codename, its own architecture). */
  canCreate: (key: ChrootKey) => boolean;
}

/**
 * The architectures of a distribution some builder could build for a codename: one has
 * a ready chroot for it, this host has or is creating one, or this host could create it.
 * The incoming rejects uploads needing any other; builds for these wait (visibly) until
 * a builder has a ready chroot.
 */
export function buildableArchitectures(deps: BuildableDeps): {
  buildableArchitectures(codename: string, distribution: DistributionSpec): string[];
} {
  return {
    buildableArchitectures(codename, distribution) {
      const known = new Set([
        ...deps.builders().flatMap((b) => b.readyChroots().map(keyLabel)),
        ...deps.localChroots().map(keyLabel),
      ]);
      return distribution.architectures.filter((architecture) => {
        const key = { codename, architecture };
        return known.has(keyLabel(key)) || deps.canCreate(key);
      });
    },
  };
}
