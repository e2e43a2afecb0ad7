import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkResult } from '../exec/command.js';
import type { LocalRunner } from '../exec/local-runner.js';
import { asRoot } from './as-root.js';
import { parseHandler, type BinfmtSystem } from './emulation.js';

/** Where the kernel's binfmt_misc and qemu-user-static's registrations are. */
export interface BinfmtPaths {
  dir: string;
  /** systemd's binfmt.d folders, in order; a file there holds one registration line. */
  registrations: readonly string[];
}

export const HOST_BINFMT: BinfmtPaths = {
  dir: '/proc/sys/fs/binfmt_misc',
  registrations: ['/etc/binfmt.d', '/usr/lib/binfmt.d'],
};

/**
 * The host's binfmt_misc. Mounting and writing its files need root: they run through
 * setpriv as uid 0, as the other privileged tools of the chroots do (as-root.ts).
 */
export function hostBinfmt(runner: LocalRunner, paths: BinfmtPaths = HOST_BINFMT): BinfmtSystem {
  const write = async (file: string, text: string, what: string) => {
    const result = await runner.run({
      ...asRoot('sh', ['-c', 'printf "%s\\n" "$1" > "$2"', 'binfmt', text, file]),
    });
    checkResult(result, what);
  };
  return {
    dir: paths.dir,
    mounted: () => Promise.resolve(existsSync(path.join(paths.dir, 'register'))),
    async mount() {
      const result = await runner.run({
        ...asRoot('mount', ['-t', 'binfmt_misc', 'binfmt_misc', paths.dir]),
      });
      checkResult(result, 'mount -t binfmt_misc');
    },
    async handler(name) {
      const text = await readFile(path.join(paths.dir, name), 'utf8').catch(() => null);
      return text === null ? null : parseHandler(text);
    },
    async registration(name) {
      for (const dir of paths.registrations) {
        const text = await readFile(path.join(dir, `${name}.conf`), 'utf8').catch(() => null);
        const line = text?.split('\n').find((l) => l.startsWith(`:${name}:`));
        if (line) return line.trim();
      }
      return null;
    },
    register: (line) =>
      write(path.join(paths.dir, 'register'), line, 'registering a binfmt_misc handler'),
    enable: (name) =>
      write(path.join(paths.dir, name), '1', `enabling the binfmt_misc handler ${name}`),
  };
}
