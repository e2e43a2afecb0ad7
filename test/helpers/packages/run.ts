import { execFileSync } from 'node:child_process';

/** Who maintains, packages and changes every package the tests make. */
export const MAINTAINER = 'Test Packager <packager@example.org>';

/** Runs a command and returns its standard output; throws with stderr on failure. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  return execFileSync(command, args, {
    cwd: options.cwd,
    input: options.input,
    env: options.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
