import { limitProblems, type LimitOverrides } from '../../chroot/build-limits.js';
import type { Problem } from '../../shared/errors.js';
import { CODEVERSION_PATTERN, defaultCodeversion } from './codeversion.js';
import { formatDistributionName, type DistributionName } from './distribution-name.js';
import type { Layout } from './layout.js';
import { testModeProblems, type DistributionTestModes } from './test-modes.js';

/** A base distribution (codename) a repository builds for. */
export interface DistributionSpec {
  codename: string;
  /** The number in version suffixes (`12` for bookworm). */
  codeversion: string;
  /** Debian architectures built for this codename, e.g. ["amd64", "arm64"]. */
  architectures: string[];
  /** The architecture whose builds also build arch:all packages. */
  archAllArchitecture: string;
  /** Architectures that must build successfully before an upload is installed. */
  mandatoryArchitectures: string[];
  components: string[];
  /** Resource limits of its builds instead of the builder's own ({}: the builder's). */
  buildLimits: LimitOverrides;
  /** Modes of the test stage's checks per suite ({}: all disabled). */
  testModes: DistributionTestModes;
}

export interface RepositorySpec {
  id: string;
  description: string;
  layout: string;
  /** Unsigned uploads are accepted (only `test` out of the box). */
  allowUnsigned: boolean;
  /** Read only with a read token (HTTP basic auth) under /repos/<id>/; absent: public. */
  private?: boolean;
  distributions: DistributionSpec[];
}

export const REPOSITORY_ID_PATTERN = /^[a-z0-9]+$/;
const CODENAME_PATTERN = /^[a-z][a-z0-9]{1,31}$/;
const ARCH_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
const COMPONENT_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** A distribution spec with defaults filled in from the codename and architectures. */
export function distributionSpec(input: {
  codename: string;
  architectures: string[];
  codeversion?: string;
  archAllArchitecture?: string;
  mandatoryArchitectures?: string[];
  components?: string[];
  buildLimits?: LimitOverrides;
  testModes?: DistributionTestModes;
}): DistributionSpec {
  return {
    codename: input.codename,
    codeversion: input.codeversion ?? defaultCodeversion(input.codename) ?? '',
    architectures: input.architectures,
    archAllArchitecture: input.archAllArchitecture ?? input.architectures[0] ?? '',
    mandatoryArchitectures: input.mandatoryArchitectures ?? input.architectures,
    components: input.components ?? ['main'],
    buildLimits: input.buildLimits ?? {},
    testModes: input.testModes ?? {},
  };
}

/** Every problem with a repository spec, given the known layouts. */
export function repositoryProblems(spec: RepositorySpec, layouts: readonly Layout[]): Problem[] {
  const problems: Problem[] = [];
  if (!REPOSITORY_ID_PATTERN.test(spec.id)) {
    problems.push({
      where: 'id',
      message: `"${spec.id}" must be lower-case letters and digits only`,
    });
  }
  if (!layouts.some((l) => l.name === spec.layout)) {
    problems.push({
      where: 'layout',
      message: `unknown layout "${spec.layout}" (known: ${layouts.map((l) => l.name).join(', ')})`,
    });
  }
  const codenames = new Set<string>();
  spec.distributions.forEach((d, i) => {
    const where = `distributions[${i}] (${d.codename})`;
    const add = (message: string) => problems.push({ where, message });
    if (!CODENAME_PATTERN.test(d.codename))
      add('a codename is lower-case letters and digits, like bookworm');
    if (codenames.has(d.codename)) add('this codename is listed twice');
    codenames.add(d.codename);
    if (!CODEVERSION_PATTERN.test(d.codeversion)) {
      add(
        `codeversion "${d.codeversion}" must be 1-8 letters or digits (e.g. 12 for bookworm); give it for codenames debyard does not know`,
      );
    }
    if (d.architectures.length === 0) add('at least one architecture is needed');
    for (const arch of d.architectures)
      if (!ARCH_PATTERN.test(arch)) add(`"${arch}" is not a Debian architecture name`);
    if (new Set(d.architectures).size !== d.architectures.length)
      add('an architecture is listed twice');
    if (!d.architectures.includes(d.archAllArchitecture)) {
      add(`the arch:all architecture "${d.archAllArchitecture}" is not one of its architectures`);
    }
    for (const arch of d.mandatoryArchitectures) {
      if (!d.architectures.includes(arch))
        add(`mandatory architecture "${arch}" is not one of its architectures`);
    }
    for (const problem of limitProblems(d.buildLimits))
      add(`build limit ${problem.where} ${problem.message}`);
    const layout = layouts.find((l) => l.name === spec.layout);
    const suites = layout ? layout.suites.map((s) => s.name) : [];
    for (const problem of testModeProblems(d.testModes ?? {}, suites))
      add(`${problem.where}: ${problem.message}`);
    if (d.components.length === 0) add('at least one component is needed');
    for (const c of d.components)
      if (!COMPONENT_PATTERN.test(c)) add(`"${c}" is not a valid component name`);
  });
  return problems;
}

/** Every distribution name of a repository, rollbacks included. */
export function distributionNames(spec: RepositorySpec, layout: Layout): DistributionName[] {
  const names: DistributionName[] = [];
  for (const d of spec.distributions) {
    for (const s of layout.suites) {
      const base = { codename: d.codename, repository: spec.id, suite: s.name };
      names.push({ ...base, rollback: null });
      for (let n = 0; n < s.rollbacks; n++) names.push({ ...base, rollback: n });
    }
  }
  return names;
}

export function distributionNameStrings(spec: RepositorySpec, layout: Layout): string[] {
  return distributionNames(spec, layout).map(formatDistributionName);
}
