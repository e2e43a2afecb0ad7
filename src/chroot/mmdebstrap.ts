import type { ChrootDefinition } from './definition.js';

export interface MmdebstrapInput {
  definition: ChrootDefinition;
  architecture: string;
  /** The mirror to use (the definition's, or the host's). */
  mirror: string;
  /** The folder to create; must not exist yet. */
  target: string;
}

/** Packages every base gets besides the buildd variant's build-essential. */
export const BASE_PACKAGES = ['fakeroot'];

/**
 * The arguments of `mmdebstrap --variant=buildd` for a base. The package lists are
 * kept (builds then need no `apt-get update` of their own) and dpkg skips fsync (bases
 * and snapshots are rebuilt rather than repaired). mmdebstrap installs Debian's packages
 * from the mirror as host root; the setup scripts run afterwards, in a sandbox
 * (BaseOperations).
 */
export function mmdebstrapArgs(input: MmdebstrapInput): string[] {
  const { definition, architecture, mirror, target } = input;
  const packages = [...BASE_PACKAGES, ...definition.extraPackages];
  const components = definition.components.join(' ');
  return [
    '--variant=buildd',
    '--mode=root',
    '--format=directory',
    `--architectures=${architecture}`,
    `--include=${packages.join(',')}`,
    // The setup script leaves an empty package cache and apt's binary caches, so that
    // builds start with neither apt-get update nor a cache rebuild.
    '--skip=cleanup/apt/lists,cleanup/apt/cache',
    '--dpkgopt=force-unsafe-io',
    definition.codename,
    target,
    ...definition.suites.map((suite) => `deb ${mirror} ${suite} ${components}`),
  ];
}

/**
 * The phase an mmdebstrap output line starts, if any: its "I: …..." progress lines,
 * e.g. "I: downloading packages with apt..." → "downloading packages with apt".
 */
export function mmdebstrapPhase(line: string): string | null {
  const match = /^I: (.+?)\.\.\.\s*$/.exec(line.trim());
  return match ? match[1]! : null;
}
