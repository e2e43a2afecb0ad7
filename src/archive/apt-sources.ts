import type { ResolvedDistribution } from './archive-config.js';
import { formatDistributionName } from './model/distribution-name.js';
import { migrationChain } from './model/layout.js';

/** A deb822 `.sources` stanza for suites of one repository, the key inline as Signed-By. */
export function aptSourcesStanza(input: {
  /** Base URL of the daemon, without a trailing slash. */
  baseUrl: string;
  repository: string;
  suites: readonly string[];
  components: readonly string[];
  armoredKey: string;
  types?: string;
}): string {
  const key = inlineKey(input.armoredKey);
  return [
    `Types: ${input.types ?? 'deb deb-src'}`,
    `URIs: ${input.baseUrl}/repos/${input.repository}/`,
    `Suites: ${input.suites.join(' ')}`,
    `Components: ${input.components.join(' ')}`,
    `Signed-By:\n${key}`,
    '',
  ].join('\n');
}

/** An armored key as the folded value of a deb822 Signed-By field. */
export function inlineKey(armoredKey: string): string {
  return armoredKey
    .trimEnd()
    .split('\n')
    .map((line) => ` ${line === '' ? '.' : line}`)
    .join('\n');
}

/**
 * The distributions of its own repository a build for `target` takes build dependencies
 * from (as mini-buildd): the suite itself and those it migrates to; for an experimental
 * suite, itself and every non-experimental suite.
 */
export function buildDependencySuites(target: ResolvedDistribution): string[] {
  const { layout, suite, distribution, repository } = target;
  const names = suite.experimental
    ? [suite.name, ...layout.suites.filter((s) => !s.experimental).map((s) => s.name)]
    : [suite.name, ...migrationChain(layout, suite.name)];
  return [...new Set(names)].map((name) =>
    formatDistributionName({
      codename: distribution.codename,
      repository: repository.id,
      suite: name,
      rollback: null,
    }),
  );
}

/** apt_preferences(5) pinning each of `dists` (of the archive `origin`) to `priority`. */
export function aptPinning(dists: readonly string[], origin: string, priority: number): string {
  return dists
    .map((dist) => `Package: *\nPin: release o=${origin}, n=${dist}\nPin-Priority: ${priority}\n`)
    .join('\n');
}
