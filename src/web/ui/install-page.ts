import express from 'express';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { formatDistributionName } from '../../archive/model/distribution-name.js';
import type { RepositorySpec } from '../../archive/model/repository.js';
import { baseUrl } from '../../api/routers/archive-router.js';
import type { PageKit } from './page-kit.js';

export interface InstallPageDeps {
  pages: PageKit;
  config: ArchiveConfig;
  /** The archive key's fingerprint; null while it is not loaded. */
  keyFingerprint: () => string | null;
  /** During a key rotation: the previous key, still signing, and when it retires. */
  previousKeys?: () => { fingerprint: string; retireAt: string | null }[];
  /** Some binary package names a distribution holds (for the `apt install` example). */
  packagesIn: (distribution: string) => string[];
  identity: string;
  publicUrl: string | null;
}

/** One suite's copy-paste setup, as shell text per step. */
export interface InstallSteps {
  dist: string;
  suite: string;
  codename: string;
  notAutomatic: boolean;
  /** What a version of this suite ends in, e.g. ~test12+1. */
  versionSuffix: string;
  packages: string[];
  sources: string;
  sourcesInline: string;
  /** The apt preferences file that makes apt take this suite's versions (see pinStep). */
  pin: string;
  update: string;
  install: string;
  /** Replaces a version from elsewhere (Debian's) that is installed already. */
  replace: string;
}

/** GET /install/<repo>: public copy-paste steps to use a repository with apt, per suite. */
export function createInstallPage(deps: InstallPageDeps): express.Router {
  const router = express.Router();
  router.get('/install/:repo', (req, res) => {
    const id = String(req.params.repo);
    const principal = deps.pages.principal(req);
    // Anonymous visitors learn nothing of private repositories: the page of one does not exist.
    const hidden = (repo: string) =>
      deps.config.repository(repo).private && principal.user === null;
    if (!/^[a-z0-9]+$/.test(id) || !deps.config.hasRepository(id) || hidden(id)) {
      const message = `There is no repository "${id}"; see the list of repositories.`;
      return deps.pages.render(req, res, 'site/error', { title: 'Not found', message }, 404);
    }
    const repo = deps.config.repository(id);
    const base = baseUrl(deps.publicUrl, req);
    const keyring = `/etc/apt/keyrings/debyard-${deps.identity.replace(/[^A-Za-z0-9.-]/g, '-')}.asc`;
    deps.pages.render(req, res, 'archive/install', {
      title: `Install from ${id}`,
      repo,
      fingerprint: deps.keyFingerprint(),
      previousKeys: deps.previousKeys?.() ?? [],
      // Never a real token: those are shown once, to the admin who makes one.
      auth: repo.private
        ? {
            file: `/etc/apt/auth.conf.d/debyard-${id}.conf`,
            step: [
              `sudo tee /etc/apt/auth.conf.d/debyard-${id}.conf > /dev/null <<'EOF'`,
              `machine ${base}/repos/${id}/ login read-ID password SECRET`,
              'EOF',
              `sudo chmod 600 /etc/apt/auth.conf.d/debyard-${id}.conf`,
            ].join('\n'),
            create: `debyard read-token-create ${id} --name HOSTNAME`,
            isAdmin: principal.role === 'admin',
          }
        : null,
      key: [
        'sudo install -d -m 0755 /etc/apt/keyrings',
        `sudo curl -fsSL -o ${keyring} ${base}/api/v1/pub_key`,
      ].join('\n'),
      steps: installSteps(deps, repo, base, keyring),
    });
  });
  return router;
}

function installSteps(
  deps: InstallPageDeps,
  repo: RepositorySpec,
  base: string,
  keyring: string,
): InstallSteps[] {
  const layout = deps.config.layout(repo.layout);
  return repo.distributions.flatMap((d) =>
    layout.suites.map((suite) => {
      const dist = formatDistributionName({
        codename: d.codename,
        repository: repo.id,
        suite: suite.name,
        rollback: null,
      });
      const file = `/etc/apt/sources.list.d/debyard-${dist}.sources`;
      const packages = deps.packagesIn(dist);
      const example = packages[0] ?? 'PACKAGE';
      const query = new URLSearchParams({ repo: repo.id, suite: suite.name, codename: d.codename });
      const target = suite.notAutomatic ? ` -t ${dist}` : '';
      return {
        dist,
        suite: suite.name,
        codename: d.codename,
        notAutomatic: suite.notAutomatic,
        versionSuffix: `~${repo.id}${d.codeversion}+${suite.experimental ? 0 : 1}`,
        packages,
        sources: [
          `sudo tee ${file} > /dev/null <<'EOF'`,
          'Types: deb deb-src',
          `URIs: ${base}/repos/${repo.id}/`,
          `Suites: ${dist}`,
          `Components: ${d.components.join(' ')}`,
          `Signed-By: ${keyring}`,
          'EOF',
        ].join('\n'),
        sourcesInline: `curl -fsSL '${base}/api/v1/sources_list?${query}' | sudo tee ${file} > /dev/null`,
        pin: pinStep(deps.identity, dist, suite.notAutomatic ? example : '*'),
        update: 'sudo apt update',
        install: `sudo apt install${target} ${example}`,
        replace: `sudo apt install ${example}/${dist}`,
      };
    }),
  );
}

/**
 * The apt preferences that make apt install this suite's packages. Without it apt takes
 * the highest version, and a rebuild here sorts below the version it rebuilds
 * (`2.10-3~test12+1` < Debian's `2.10-3`), so `apt install` would get Debian's; `-t` alone
 * only helps once: the next `apt upgrade` would go over to Debian's. Priority 990 (that of
 * a target release) makes the suite's versions the candidates, also on upgrades, without
 * downgrading what is installed. A NotAutomatic suite pins only the packages named, so
 * the rest of it stays opt-in.
 */
export function pinStep(identity: string, dist: string, packages: string): string {
  return [
    `sudo tee /etc/apt/preferences.d/debyard-${dist}.pref > /dev/null <<'EOF'`,
    `Explanation: take ${packages === '*' ? 'the packages' : packages} of ${dist} over other repositories' versions (Debian's sort higher)`,
    `Package: ${packages}`,
    `Pin: release o=${identity},n=${dist}`,
    'Pin-Priority: 990',
    'EOF',
  ].join('\n');
}
