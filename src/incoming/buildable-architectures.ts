import type { DistributionSpec } from '../archive/model/repository.js';

/**
 * Which architectures some builder can build for a codename. The builders (local
 * chroots and remote peers) answer this once they exist; until then the distribution's
 * configured architectures are taken as buildable.
 */
export interface BuildableArchitectures {
  buildableArchitectures(codename: string, distribution: DistributionSpec): string[];
}

export const CONFIGURED_ARCHITECTURES: BuildableArchitectures = {
  buildableArchitectures: (_codename, distribution) => distribution.architectures,
};
