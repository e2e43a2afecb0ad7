import { InvalidInputError } from '../shared/errors.js';
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
 * kept (builds then need no `apt-get update` of their own), dpkg skips fsync (bases and
 * snapshots are rebuilt rather than repaired), and the setup scripts run as customize
 * hooks.
 */
export function mmdebstrapArgs(input: MmdebstrapInput): string[] {
  const { definition, architecture, mirror, target } = input;
  for (const script of definition.setupScripts) {
    if (/['"\\$`\s]/.test(script)) {
      throw new InvalidInputError(`setup script path ${script} must not contain quotes or blanks`);
    }
  }
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
    // Otherwise mmdebstrap removes the policy-rc.d the base setup script installs.
    '--skip=chroot/policy-rc.d',
    '--dpkgopt=force-unsafe-io',
    ...definition.setupScripts.map((script) => `--customize-hook=sh '${script}' "$1"`),
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
