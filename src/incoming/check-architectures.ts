import type { DistributionSpec } from '../archive/model/repository.js';
import type { Problem } from '../shared/errors.js';
import type { ArchitectureMatcher } from './architecture-matcher.js';

export interface BuildPlan {
  /** One build each; when archAll, the first one also builds arch:all packages. */
  architectures: string[];
  archAll: boolean;
}

/**
 * What to build for a source package whose .dsc says `Architecture: <wildcards>`, in a
 * distribution, given the architectures some builder can build. Every architecture it
 * needs must be buildable.
 */
export async function planBuilds(input: {
  dscName: string;
  dscArchitectures: readonly string[];
  distributionName: string;
  distribution: DistributionSpec;
  buildable: readonly string[];
  matcher: ArchitectureMatcher;
}): Promise<{ plan: BuildPlan; problems: Problem[] }> {
  const { distribution, dscArchitectures, matcher } = input;
  const wildcards = dscArchitectures.filter((a) => a !== 'all');
  const archAll = dscArchitectures.includes('all');
  const specific: string[] = [];
  for (const arch of distribution.architectures) {
    for (const wildcard of wildcards) {
      if (await matcher.matches(arch, wildcard)) {
        specific.push(arch);
        break;
      }
    }
  }
  const architectures = archAll
    ? [
        distribution.archAllArchitecture,
        ...specific.filter((a) => a !== distribution.archAllArchitecture),
      ]
    : specific;
  const problems: Problem[] = [];
  if (architectures.length === 0) {
    problems.push({
      where: input.dscName,
      message: `nothing to build: the package is for ${dscArchitectures.join(' ') || 'no architecture'}, and ${input.distributionName} builds for ${distribution.architectures.join(', ')}`,
    });
  }
  const unbuildable = architectures.filter((a) => !input.buildable.includes(a));
  if (unbuildable.length > 0) {
    problems.push({
      where: input.dscName,
      message: `no builder can build for ${unbuildable.join(', ')} in ${distribution.codename} (builders are there for ${input.buildable.join(', ') || 'no architecture'})`,
    });
  }
  return { plan: { architectures, archAll }, problems };
}
