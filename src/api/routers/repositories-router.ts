import { TEST_CHECKS } from '../../builder/build-request.js';
import type { DistributionTestModes } from '../../archive/model/test-modes.js';
import type { ArchiveAdmin } from '../../archive/archive-admin.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import {
  distributionSpec,
  type DistributionSpec,
  type RepositorySpec,
} from '../../archive/model/repository.js';
import type { LimitOverrides } from '../../chroot/build-limits.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { implement, type CallImplementation } from '../api-router.js';
import type { CallInput } from '../call.js';
import {
  fromSuiteInput,
  layoutAddCall,
  layoutRemoveCall,
  layoutsCall,
  layoutUpdateCall,
  type LayoutView,
} from '../specs/layouts.js';
import {
  distributionAddCall,
  distributionRemoveCall,
  distributionUpdateCall,
  reindexCall,
  repositoriesCall,
  repositoryAddCall,
  repositoryRemoveCall,
  repositoryUpdateCall,
  type RepositoryView,
} from '../specs/repositories.js';

export interface RepositoryRoutesDeps {
  config: ArchiveConfig;
  admin: ArchiveAdmin;
  /** Source packages per distribution of a repository. */
  placementCounts(repository: string): Map<string, number>;
}

type DistributionFields = Partial<CallInput<typeof distributionUpdateCall>>;

/** Repositories, their distributions, layouts and reindex: the archive's configuration calls. */
export function repositoryRoutes(deps: RepositoryRoutesDeps): CallImplementation[] {
  const { config } = deps;
  const view = (spec: RepositorySpec): RepositoryView => ({
    ...spec,
    private: spec.private ?? false,
    suites:
      config
        .layouts()
        .find((l) => l.name === spec.layout)
        ?.suites.map((s) => s.name) ?? [],
    sources: Object.fromEntries(deps.placementCounts(spec.id)),
  });
  return [
    // Anonymous visitors do not learn which private repositories exist.
    implement(repositoriesCall, (_input, { principal }) =>
      config
        .repositories()
        .filter((r) => !r.private || principal.user !== null)
        .map(view),
    ),
    ...repositoryChanges(deps, view),
    ...distributionRoutes(deps, view),
    implement(reindexCall, async ({ repo, distribution }, { signal }) => ({
      republished: await deps.admin.reindex(repo, distribution, signal),
    })),
    ...layoutRoutes(deps),
  ];
}

type View = (spec: RepositorySpec) => RepositoryView;

function repositoryChanges(deps: RepositoryRoutesDeps, view: View): CallImplementation[] {
  const { config, admin } = deps;
  return [
    implement(repositoryAddCall, (input) =>
      view(
        admin.createRepository({
          id: input.id,
          description: input.description,
          layout: input.layout,
          allowUnsigned: input.allow_unsigned,
          private: input.private,
          distributions: input.codename
            ? [newDistribution({ ...input, codename: input.codename })]
            : [],
        }),
      ),
    ),
    implement(repositoryUpdateCall, async (input) => {
      const spec = config.repository(input.id);
      return view(
        await admin.updateRepository({
          ...spec,
          description: input.description ?? spec.description,
          layout: input.layout ?? spec.layout,
          allowUnsigned: input.allow_unsigned ?? spec.allowUnsigned,
          private: input.private ?? spec.private ?? false,
        }),
      );
    }),
    implement(repositoryRemoveCall, async ({ id }) => {
      await admin.deleteRepository(id);
      return { removed: id };
    }),
  ];
}

function distributionRoutes(deps: RepositoryRoutesDeps, view: View): CallImplementation[] {
  const change = async (id: string, edit: (list: DistributionSpec[]) => DistributionSpec[]) => {
    const spec = deps.config.repository(id);
    return view(
      await deps.admin.updateRepository({ ...spec, distributions: edit(spec.distributions) }),
    );
  };
  return [
    implement(distributionAddCall, (input) =>
      change(input.repo, (list) => {
        if (list.some((d) => d.codename === input.codename)) {
          throw new ConflictError(`repository ${input.repo} has ${input.codename} already`);
        }
        return [...list, newDistribution(input)];
      }),
    ),
    implement(distributionUpdateCall, (input) =>
      change(input.repo, (list) => {
        const old = find(list, input.repo, input.codename);
        return list.map((d) => (d === old ? updated(d, input) : d));
      }),
    ),
    implement(distributionRemoveCall, (input) =>
      change(input.repo, (list) => {
        find(list, input.repo, input.codename);
        return list.filter((d) => d.codename !== input.codename);
      }),
    ),
  ];
}

function layoutRoutes(deps: RepositoryRoutesDeps): CallImplementation[] {
  const { config, admin } = deps;
  const view = (name: string): LayoutView => {
    const layout = config.layout(name);
    return {
      ...layout,
      builtin: config.isBuiltinLayout(name),
      repositories: config
        .repositories()
        .filter((r) => r.layout === name)
        .map((r) => r.id),
    };
  };
  return [
    implement(layoutsCall, () => config.layouts().map((l) => view(l.name))),
    implement(layoutAddCall, async ({ name, suites }) =>
      view((await admin.saveLayout({ name, suites: suites.map(fromSuiteInput) }, 'create')).name),
    ),
    implement(layoutUpdateCall, async ({ name, suites }) =>
      view((await admin.saveLayout({ name, suites: suites.map(fromSuiteInput) }, 'update')).name),
    ),
    implement(layoutRemoveCall, ({ name }) => {
      admin.deleteLayout(name);
      return { removed: name };
    }),
  ];
}

function find(list: DistributionSpec[], repo: string, codename: string): DistributionSpec {
  const found = list.find((d) => d.codename === codename);
  if (!found) {
    throw new NotFoundError(
      `repository ${repo} has no distribution ${codename} (it has ${list.map((d) => d.codename).join(', ') || 'none'})`,
    );
  }
  return found;
}

function newDistribution(
  input: DistributionFields & { codename: string; architectures?: string[] },
): DistributionSpec {
  return distributionSpec({
    codename: input.codename,
    architectures: input.architectures ?? [],
    codeversion: input.codeversion,
    archAllArchitecture: input.arch_all,
    mandatoryArchitectures: input.mandatory,
    components: input.components,
    buildLimits: limitsOf({}, input),
    testModes: testModesOf({}, input),
  });
}

/** The limits with those the input names: a value sets one, "default" (null) drops it. */
function limitsOf(old: LimitOverrides, input: DistributionFields): LimitOverrides {
  const limits = { ...old };
  const given: [keyof LimitOverrides, number | null | undefined][] = [
    ['pids', input.limit_pids],
    ['memoryBytes', input.limit_memory],
    ['cpus', input.limit_cpus],
    ['diskBytes', input.limit_disk],
  ];
  for (const [key, value] of given) {
    if (value === null) delete limits[key];
    else if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** The test modes with those the input names: given ones replace a check's, "default" drops it. */
function testModesOf(old: DistributionTestModes, input: DistributionFields): DistributionTestModes {
  const modes = { ...old };
  for (const check of TEST_CHECKS) {
    const value = input[check];
    if (value === null) delete modes[check];
    else if (value !== undefined) modes[check] = value;
  }
  return modes;
}

/** Given fields replace the old ones; arch:all and mandatory follow new architectures. */
function updated(old: DistributionSpec, input: DistributionFields): DistributionSpec {
  const architectures = input.architectures ?? old.architectures;
  const allMandatory = old.architectures.every((a) => old.mandatoryArchitectures.includes(a));
  return {
    codename: old.codename,
    codeversion: input.codeversion ?? old.codeversion,
    architectures,
    archAllArchitecture:
      input.arch_all ??
      (architectures.includes(old.archAllArchitecture)
        ? old.archAllArchitecture
        : architectures[0]!),
    mandatoryArchitectures:
      input.mandatory ??
      (allMandatory
        ? architectures
        : old.mandatoryArchitectures.filter((a) => architectures.includes(a))),
    components: input.components ?? old.components,
    buildLimits: limitsOf(old.buildLimits, input),
    testModes: testModesOf(old.testModes, input),
  };
}
