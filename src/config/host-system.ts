import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The Debian system the daemon runs on: the default codename and architecture. */
export interface HostSystem {
  codename: string;
  architecture: string;
}

/** Reads /etc/os-release and asks dpkg for the architecture. */
export function detectHostSystem(osReleaseFile = '/etc/os-release'): HostSystem {
  return {
    codename: codenameFromOsRelease(readFileSync(osReleaseFile, 'utf8')),
    architecture: execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim(),
  };
}

export function codenameFromOsRelease(text: string): string {
  const fields = new Map(
    text
      .split('\n')
      .map((line) => /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[3]!]),
  );
  // Debian testing/unstable has no VERSION_CODENAME in some releases; "sid" is the safe guess.
  return fields.get('VERSION_CODENAME') || fields.get('DEBIAN_CODENAME') || 'sid';
}
