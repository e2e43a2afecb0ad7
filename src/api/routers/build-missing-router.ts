import type { BuildMissing } from '../../own-uploads/build-missing.js';
import { implement, type CallImplementation } from '../api-router.js';
import { buildMissingCall } from '../specs/build-missing.js';

/** build_missing (staff): the builds a distribution's suites lack, scheduled for the caller. */
export function buildMissingRoutes(deps: {
  buildMissing: Pick<BuildMissing, 'run'>;
}): CallImplementation[] {
  return [
    implement(buildMissingCall, async (input, { principal }) => {
      const result = await deps.buildMissing.run({
        repository: input.repo,
        codename: input.codename,
        ...(input.architecture && { architecture: input.architecture }),
        dryRun: input.dry_run,
        requestedBy: `user ${principal.user ?? 'anonymous'} (${principal.role})`,
      });
      return { ...result, dryRun: input.dry_run };
    }),
  ];
}
