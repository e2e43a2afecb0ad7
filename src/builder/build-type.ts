import type { CommandRunner } from '../exec/command.js';
import { InvalidInputError } from '../shared/errors.js';
import type { DscSummary } from './control-files.js';

/** What dpkg-buildpackage builds (sbuild's names): binary = -b, any = -B, all = -A. */
export type BuildType = 'binary' | 'any' | 'all';

export const BUILD_TYPE_OPTION: Record<BuildType, string> = { binary: '-b', any: '-B', all: '-A' };

/**
 * Chooses -b, -B or -A from the .dsc's Architecture field, the build's architecture
 * and whether this build also builds the Architecture: all packages. Wildcards such as
 * linux-any are matched with dpkg-architecture.
 */
export async function chooseBuildType(
  dsc: DscSummary,
  options: { architecture: string; archAll: boolean; dscName: string },
  runner: CommandRunner,
): Promise<BuildType> {
  const hasAll = dsc.architectures.includes('all');
  const specific = dsc.architectures.filter((a) => a !== 'all');
  let hasAny = false;
  for (const wildcard of specific) {
    if (await matches(options.architecture, wildcard, runner)) {
      hasAny = true;
      break;
    }
  }
  if (hasAny) return options.archAll && hasAll ? 'binary' : 'any';
  if (options.archAll && hasAll) return 'all';
  const listed = dsc.architectures.join(' ');
  throw new InvalidInputError(
    hasAll
      ? `${options.dscName} builds only Architecture: all packages, and this build does not build arch:all; there is nothing to build on ${options.architecture}`
      : `${options.dscName} does not build on ${options.architecture} (Architecture: ${listed})`,
  );
}

async function matches(
  architecture: string,
  wildcard: string,
  runner: CommandRunner,
): Promise<boolean> {
  if (wildcard === 'any' || wildcard === architecture) return true;
  if (!wildcard.includes('any')) return false;
  const result = await runner.run({
    command: 'dpkg-architecture',
    args: [`-a${architecture}`, `-i${wildcard}`],
    env: { PATH: '/usr/bin:/bin' },
  });
  return result.exitCode === 0;
}
