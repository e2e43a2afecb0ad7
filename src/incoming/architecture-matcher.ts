import { execFile } from 'node:child_process';

/** Whether a Debian architecture matches an architecture wildcard (`any`, `linux-any`…). */
export interface ArchitectureMatcher {
  matches(architecture: string, wildcard: string): Promise<boolean>;
}

/**
 * Asks dpkg (`dpkg-architecture -a ARCH -i WILDCARD`), which knows every architecture
 * tuple; answers are cached, as they never change.
 */
export function dpkgArchitectureMatcher(): ArchitectureMatcher {
  const cache = new Map<string, Promise<boolean>>();
  return {
    matches(architecture, wildcard) {
      if (wildcard === 'any' || wildcard === architecture) return Promise.resolve(true);
      if (wildcard === 'all') return Promise.resolve(false);
      const key = `${architecture} ${wildcard}`;
      let answer = cache.get(key);
      if (!answer) {
        answer = ask(architecture, wildcard);
        cache.set(key, answer);
      }
      return answer;
    },
  };
}

function ask(architecture: string, wildcard: string): Promise<boolean> {
  // A clean environment: DEB_HOST_* variables would override -a.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  return new Promise((resolve, reject) => {
    execFile(
      'dpkg-architecture',
      [`-a${architecture}`, `-i${wildcard}`],
      { env, timeout: 30_000 },
      (error) => {
        if (!error) resolve(true);
        else if (typeof error.code === 'number') resolve(false);
        else reject(new Error(`cannot run dpkg-architecture: ${error.message}`, { cause: error }));
      },
    );
  });
}
