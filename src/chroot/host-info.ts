import { execFileSync } from 'node:child_process';
import { detectHostSystem, type HostSystem } from '../config/host-system.js';

/** What the default chroot is made of: the host's own release, architecture and mirror. */
export interface HostInfo extends HostSystem {
  /** The host's Debian mirror for its codename (e.g. http://deb.debian.org/debian/). */
  mirror: string;
}

export const FALLBACK_MIRROR = 'http://deb.debian.org/debian/';

/** The host's codename and architecture, and its apt mirror (from apt-get indextargets). */
export function detectHost(system: HostSystem = detectHostSystem()): HostInfo {
  let targets = '';
  try {
    targets = execFileSync(
      'apt-get',
      [
        'indextargets',
        '--format',
        '$(REPO_URI)\t$(ORIGIN)\t$(CODENAME)\t$(RELEASE)',
        'Identifier: Packages',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch {
    // No apt, or no package lists yet: fall back to the main mirror.
  }
  return { ...system, mirror: mirrorFromIndexTargets(targets, system.codename) ?? FALLBACK_MIRROR };
}

/** The repository URI of the host's Debian source for its own codename, if any. */
export function mirrorFromIndexTargets(output: string, codename: string): string | null {
  for (const line of output.split('\n')) {
    const [uri, origin, releaseCodename, release] = line.split('\t');
    if (!uri || origin !== 'Debian') continue;
    if (releaseCodename === codename || release === codename) return uri;
  }
  return null;
}
