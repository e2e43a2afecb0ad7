import { readFileSync } from 'node:fs';
import { checkResult, type CommandRunner } from '../exec/command.js';
import { AppError } from '../shared/errors.js';

/** What the default chroot is made of: the host's own release, architecture and mirror. */
export interface HostInfo {
  codename: string;
  architecture: string;
  /** The host's Debian mirror for its codename (e.g. http://deb.debian.org/debian/). */
  mirror: string;
}

export const FALLBACK_MIRROR = 'http://deb.debian.org/debian/';

/** Reads the host's codename (os-release), architecture (dpkg) and mirror (apt). */
export async function detectHost(runner: CommandRunner): Promise<HostInfo> {
  const codename = codenameFromOsRelease(readFileSync('/etc/os-release', 'utf8'));
  if (!codename) {
    throw new AppError(
      'internal',
      '/etc/os-release names no VERSION_CODENAME; debyard needs a Debian-based host',
    );
  }
  const arch = checkResult(
    await runner.run({ command: 'dpkg', args: ['--print-architecture'] }),
  ).stdout.trim();
  const targets = await runner.run({
    command: 'apt-get',
    args: [
      'indextargets',
      '--format',
      '$(REPO_URI)\t$(ORIGIN)\t$(CODENAME)\t$(RELEASE)',
      'Identifier: Packages',
    ],
  });
  const mirror = targets.exitCode === 0 ? mirrorFromIndexTargets(targets.stdout, codename) : null;
  return { codename, architecture: arch, mirror: mirror ?? FALLBACK_MIRROR };
}

export function codenameFromOsRelease(text: string): string | null {
  const match = /^VERSION_CODENAME=["']?([a-z0-9-]+)["']?\s*$/m.exec(text);
  return match ? match[1]! : null;
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
