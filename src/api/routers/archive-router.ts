import type { Request } from 'express';
import type { ArchiveQueries } from '../../archive/archive-queries.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { aptSourcesStanza } from '../../archive/apt-sources.js';
import { formatDistributionName } from '../../archive/model/distribution-name.js';
import { findSuite } from '../../archive/model/layout.js';
import type { ArchitectureMatcher } from '../../incoming/architecture-matcher.js';
import { missingArchitectures } from '../../own-uploads/missing-builds.js';
import { NotFoundError } from '../../shared/errors.js';
import { implement, type CallImplementation, type Principal } from '../api-router.js';
import { assertVisible, hiddenRepositories } from '../hidden-repositories.js';
import { textOr } from '../text-answer.js';
import {
  lsCall,
  pubKeyCall,
  searchCall,
  showCall,
  sourcesListCall,
  type PackageVersionRow,
} from '../specs/archive.js';

export interface ArchiveRoutesDeps {
  queries: ArchiveQueries;
  config: ArchiveConfig;
  /** The armored public key of the archive. */
  publicKey: () => { armored: string; fingerprint: string };
  /** Base URL clients reach the daemon at; null to take it from the request. */
  publicUrl: string | null;
  /** Matches architecture wildcards (for the architectures a version lacks). */
  matcher: ArchitectureMatcher;
}

/** Read-only archive calls: ls, show, search, sources_list, pub_key. */
export function archiveRoutes(deps: ArchiveRoutesDeps): CallImplementation[] {
  return [
    // Anonymous callers learn nothing of private repositories: as if they did not exist.
    implement(lsCall, async (input, { principal }) => ({
      versions: await versions(deps, input, principal),
    })),
    implement(showCall, async (input, { principal }) => ({
      versions: await versions(deps, input, principal),
    })),
    implement(searchCall, (input, { principal }) => ({
      matches: deps.queries.search(input.pattern, undefined, [
        ...hiddenRepositories(deps.config, principal),
      ]),
    })),
    implement(sourcesListCall, (input, context) => {
      assertVisible(hiddenRepositories(deps.config, context.principal), input.repo);
      const sources = sourcesStanza(deps, input, baseUrl(deps.publicUrl, context.request));
      return textOr(context, sources, { sources });
    }),
    implement(pubKeyCall, (_input, context) => {
      const key = deps.publicKey();
      return textOr(context, key.armored, key, 'application/pgp-keys');
    }),
  ];
}

/**
 * The versions of a package in the repositories the caller may see, each with the
 * architectures it lacks.
 */
async function versions(
  deps: ArchiveRoutesDeps,
  input: { package: string; repo?: string },
  principal: Principal,
): Promise<PackageVersionRow[]> {
  const hidden = hiddenRepositories(deps.config, principal);
  if (input.repo !== undefined && hidden.has(input.repo)) return [];
  const visible = deps.queries
    .show([input.package], input.repo)
    .filter((v) => !hidden.has(v.repository));
  return Promise.all(
    visible.map(async (v) => ({
      ...v,
      missingArchitectures: await missingArchitectures(
        { dscArchitectures: v.dscArchitectures, binaryArchitectures: archsOf(v.binaries) },
        deps.config.resolve(v.distribution).distribution,
        deps.matcher,
      ),
    })),
  );
}

const archsOf = (binaries: readonly { architecture: string }[]) => [
  ...new Set(binaries.map((b) => b.architecture)),
];

/** The base URL clients reach the daemon at: the public URL, else the request's host. */
export function baseUrl(publicUrl: string | null, req: Request): string {
  return (publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost:8066'}`).replace(
    /\/+$/,
    '',
  );
}

/** The deb822 .sources stanza of a suite (the key inline as Signed-By). */
export function sourcesStanza(
  deps: Pick<ArchiveRoutesDeps, 'config' | 'publicKey'>,
  input: { repo: string; suite: string; codename?: string; rollbacks: number },
  base: string,
): string {
  const repository = deps.config.repository(input.repo);
  const layout = deps.config.layout(repository.layout);
  const suite = findSuite(layout, input.suite);
  if (!suite) {
    throw new NotFoundError(
      `repository ${repository.id} has no suite ${input.suite} (it has ${layout.suites.map((s) => s.name).join(', ')})`,
    );
  }
  const dist = input.codename
    ? repository.distributions.find((d) => d.codename === input.codename)
    : repository.distributions[0];
  if (!dist) {
    throw new NotFoundError(`repository ${repository.id} has no codename ${input.codename}`);
  }
  const name = { codename: dist.codename, repository: repository.id, suite: suite.name };
  const suites = [
    formatDistributionName({ ...name, rollback: null }),
    ...Array.from({ length: Math.min(input.rollbacks, suite.rollbacks) }, (_, n) =>
      formatDistributionName({ ...name, rollback: n }),
    ),
  ];
  return aptSourcesStanza({
    baseUrl: base,
    repository: repository.id,
    suites,
    components: dist.components,
    armoredKey: deps.publicKey().armored,
  });
}
